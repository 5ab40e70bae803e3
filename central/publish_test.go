package central

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

func recordsJSONL(t testing.TB, from, n int) string {
	t.Helper()
	var b strings.Builder
	for i := from; i < from+n; i++ {
		r := wire.AuthzRecord{AuthorizationID: fmt.Sprintf("XPT-2026-%07d", i), Version: 1, Status: wire.StatusActive,
			Holder:    wire.Holder{Surname: "ERIKSSON", GivenNames: "ANNA MARIA", BirthDate: "1974-08-12", Sex: "F", Nationality: "CAN"},
			Documents: []wire.Document{{Code: "P", IssuingState: "CAN", Number: fmt.Sprintf("L%08d", i), ExpiryDate: "2030-04-15"}},
			ValidFrom: "2026-01-01", ValidUntil: "2031-01-01", Entries: []string{wire.DirCAtoUS, wire.DirUStoCA}}
		line, _ := json.Marshal(r)
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.String()
}

func openBatches(t *testing.T, kr *wire.KeyRing, msgs []published) []wire.AuthzBatch {
	t.Helper()
	var out []wire.AuthzBatch
	for _, m := range msgs {
		var b wire.AuthzBatch
		if _, err := kr.OpenInto(m.payload, &b); err != nil {
			t.Fatalf("batch does not verify: %v", err)
		}
		if m.qos != 1 || m.retained {
			t.Fatalf("batch qos %d retained %v", m.qos, m.retained)
		}
		out = append(out, b)
	}
	return out
}

func TestPublishBatchesSeqHeadAndStore(t *testing.T) {
	s := testSigner(t)
	kr := s.KeyRing()
	st, err := OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	ctx := context.Background()
	res, err := Publish(ctx, st, s, strings.NewReader(recordsJSONL(t, 1, 25)), rec, PublishOptions{BatchSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if res.Batches != 3 || res.FirstSeq != 1 || res.LastSeq != 3 || res.Records != 25 {
		t.Fatalf("%+v", res)
	}
	bs := openBatches(t, kr, rec.on(wire.TopicAuthzBatches))
	for i, b := range bs {
		if b.Seq != uint64(i+1) {
			t.Fatalf("batch %d has seq %d", i, b.Seq)
		}
	}
	if len(bs[2].Records) != 5 {
		t.Fatalf("last batch has %d records", len(bs[2].Records))
	}
	heads := rec.on(wire.TopicAuthzHead)
	var head wire.AuthzHead
	if len(heads) != 1 || !heads[0].retained {
		t.Fatalf("head: %+v", heads)
	}
	if _, err := kr.OpenInto(heads[0].payload, &head); err != nil || head.Seq != 3 || head.Records != 25 {
		t.Fatalf("head %+v %v", head, err)
	}
	// Head published after the batches.
	if last := rec.msgs[len(rec.msgs)-1]; last.topic != wire.TopicAuthzHead {
		t.Fatal("head is not the last message")
	}

	// A second run continues the seq; updates and removals change the count.
	st2, _ := OpenStore(st.Dir())
	rec2 := &recorder{}
	in := recordsJSONL(t, 20, 10) + `{"remove":"XPT-2026-0000001"}` + "\n" + `{"remove":"XPT-2026-0000002"}` + "\n"
	res, err = Publish(ctx, st2, s, strings.NewReader(in), rec2, PublishOptions{BatchSize: 100})
	if err != nil || res.FirstSeq != 4 || res.LastSeq != 4 || res.Removed != 2 {
		t.Fatalf("%+v %v", res, err)
	}
	b4 := openBatches(t, kr, rec2.on(wire.TopicAuthzBatches))[0]
	if len(b4.Removed) != 2 || b4.Seq != 4 {
		t.Fatalf("%+v", b4)
	}
	if res.Head.Records != 25+4-2 {
		t.Fatalf("head records %d, want 27", res.Head.Records)
	}

	// Replay from the store: byte for byte, in order, from any seq.
	var seqs []uint64
	err = st2.Range(2, func(seq uint64, env []byte) error {
		seqs = append(seqs, seq)
		if seq == 4 && !bytes.Equal(env, rec2.on(wire.TopicAuthzBatches)[0].payload) {
			t.Fatal("stored batch differs from the published one")
		}
		return nil
	})
	if err != nil || fmt.Sprint(seqs) != "[2 3 4]" {
		t.Fatalf("range: %v %v", seqs, err)
	}
	rec3 := &recorder{}
	n, err := Replay(ctx, st2, rec3, "yyz-t1-k07", 0)
	if err != nil || n != 4 || len(rec3.on(wire.KioskTopic("yyz-t1-k07", "authz"))) != 4 {
		t.Fatalf("replay all: %d %v", n, err)
	}
}

func TestPublishTestInjections(t *testing.T) {
	s := testSigner(t)
	kr := s.KeyRing()
	st, _ := OpenStore(t.TempDir())
	ctx := context.Background()
	if _, err := Publish(ctx, st, s, strings.NewReader(recordsJSONL(t, 1, 4)), &recorder{}, PublishOptions{BatchSize: 2}); err != nil {
		t.Fatal(err)
	}
	// Forged: bad signature under the real key ID, state unchanged.
	rec := &recorder{}
	res, err := Publish(ctx, st, s, strings.NewReader(recordsJSONL(t, 10, 2)), rec, PublishOptions{Forge: true})
	if err != nil || res.Stored || res.FirstSeq != 3 {
		t.Fatalf("%+v %v", res, err)
	}
	for _, m := range rec.msgs {
		if _, _, err := kr.Open(m.payload); wire.RejectCode(err) != wire.RejectSignature {
			t.Fatalf("forged message on %s: %v", m.topic, err)
		}
		if m.retained {
			t.Fatalf("forged message retained on %s", m.topic)
		}
	}
	if st.State().Seq != 2 {
		t.Fatalf("forged run moved the state to %d", st.State().Seq)
	}
	// Unknown key.
	rec = &recorder{}
	if _, err := Publish(ctx, st, s, strings.NewReader(recordsJSONL(t, 10, 2)), rec, PublishOptions{UnknownKey: true, NoHead: true}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := kr.Open(rec.msgs[0].payload); wire.RejectCode(err) != wire.RejectUnknownKey || len(rec.msgs) != 1 {
		t.Fatalf("unknown key: %v (%d msgs)", err, len(rec.msgs))
	}
	// A gap: the next batch skips two seqs; the state follows.
	rec = &recorder{}
	res, err = Publish(ctx, st, s, strings.NewReader(recordsJSONL(t, 20, 2)), rec, PublishOptions{SkipSeq: 2})
	if err != nil || res.FirstSeq != 5 || st.State().Seq != 5 {
		t.Fatalf("gap: %+v %v", res, err)
	}
	var seqs []uint64
	_ = st.Range(0, func(seq uint64, _ []byte) error { seqs = append(seqs, seq); return nil })
	if fmt.Sprint(seqs) != "[1 2 5]" {
		t.Fatalf("stored seqs %v", seqs)
	}
	// Reverse: three batches, published 8, 7, 6.
	rec = &recorder{}
	if _, err := Publish(ctx, st, s, strings.NewReader(recordsJSONL(t, 30, 3)), rec, PublishOptions{BatchSize: 1, Reverse: true}); err != nil {
		t.Fatal(err)
	}
	var got []uint64
	for _, b := range openBatches(t, kr, rec.on(wire.TopicAuthzBatches)) {
		got = append(got, b.Seq)
	}
	if fmt.Sprint(got) != "[8 7 6]" {
		t.Fatalf("reverse: %v", got)
	}
	// Backwards: a genuine batch with an old seq, not stored.
	rec = &recorder{}
	res, err = Publish(ctx, st, s, strings.NewReader(recordsJSONL(t, 40, 1)), rec, PublishOptions{StartSeq: 3, NoHead: true})
	if err != nil || res.Stored || st.State().Seq != 8 {
		t.Fatalf("backwards: %+v %v", res, err)
	}
	if b := openBatches(t, kr, rec.msgs)[0]; b.Seq != 3 {
		t.Fatalf("backwards seq %d", b.Seq)
	}
	// Replay of a stored batch, byte for byte.
	rec = &recorder{}
	if err := Republish(st, rec, 2); err != nil {
		t.Fatal(err)
	}
	orig, _ := st.Batch(2)
	if !bytes.Equal(rec.msgs[0].payload, orig) {
		t.Fatal("replay differs")
	}
	// Schema: refused unless --no-validate.
	bad := strings.Replace(recordsJSONL(t, 50, 1), `"status":"active"`, `"status":"maybe"`, 1)
	if _, err := Publish(ctx, st, s, strings.NewReader(bad), &recorder{}, PublishOptions{}); err == nil || !strings.Contains(err.Error(), "status") {
		t.Fatalf("invalid record accepted: %v", err)
	}
	if _, err := Publish(ctx, st, s, strings.NewReader(bad), &recorder{}, PublishOptions{NoValidate: true}); err != nil {
		t.Fatal(err)
	}
	// Even a record that does not fit the types goes out, signed, as given.
	worse := strings.Replace(recordsJSONL(t, 51, 1), `"version":1`, `"version":"one"`, 1)
	rec = &recorder{}
	if _, err := Publish(ctx, st, s, strings.NewReader(worse), rec, PublishOptions{NoValidate: true, NoHead: true}); err != nil {
		t.Fatal(err)
	}
	inner, _, err := kr.Open(rec.msgs[0].payload)
	if err != nil || !strings.Contains(string(inner), `"version":"one"`) {
		t.Fatalf("%s %v", inner, err)
	}
	var b wire.AuthzBatch
	if _, err := kr.OpenInto(rec.msgs[0].payload, &b); wire.RejectCode(err) != wire.RejectSchema {
		t.Fatalf("a kiosk should see a schema error, got %v", err)
	}
}

func TestPublishMalformedLine(t *testing.T) {
	st, _ := OpenStore(t.TempDir())
	_, err := Publish(context.Background(), st, testSigner(t), strings.NewReader(recordsJSONL(t, 1, 1)+"{oops\n"), nil, PublishOptions{})
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("%v", err)
	}
}

func TestLiveIDCountFollowsOrder(t *testing.T) {
	s := testSigner(t)
	st, _ := OpenStore(t.TempDir())
	ctx := context.Background()
	if _, err := Publish(ctx, st, s, strings.NewReader(recordsJSONL(t, 1, 3)), nil, PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	rm := func(i int) string { return fmt.Sprintf(`{"remove":"XPT-2026-%07d"}`+"\n", i) }
	// 1: removed then re-added (live); 2: removed (gone); 4: added then removed (gone); 5: added (live).
	in := rm(1) + recordsJSONL(t, 1, 1) + rm(2) + recordsJSONL(t, 4, 2) + rm(4)
	res, err := Publish(ctx, st, s, strings.NewReader(in), nil, PublishOptions{BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Head.Records != 3 { // 1, 3, 5
		t.Fatalf("head counts %d live records, want 3", res.Head.Records)
	}
	st2, _ := OpenStore(st.Dir())
	if st2.State().Records != 3 {
		t.Fatalf("state counts %d", st2.State().Records)
	}
	res, _ = Publish(ctx, st2, s, strings.NewReader(rm(3)), nil, PublishOptions{})
	if res.Head.Records != 2 {
		t.Fatalf("after reopening: %d", res.Head.Records)
	}
}
