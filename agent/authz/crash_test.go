package authz

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The crash test runs the writer in a real child process (this test binary
// again, with crashChildEnv naming the replica) and kills it with SIGKILL
// in the middle of its stream of batches: the page cache is lost with the
// process only as far as the kernel lets it be, but a half-written
// write-ahead-log record and unflushed memtables are exactly what a kill
// leaves behind. The reopened replica
// must be at the last whole batch: seq S, records of batches 1..S and
// nothing of S+1, indexes consistent.
const (
	crashChildEnv  = "XPT_AUTHZ_CRASH_CHILD"
	crashSealedEnv = "XPT_AUTHZ_CRASH_SEALED" // "1": the replica is sealed at rest
	crashPer       = 1500                     // records per batch
)

// crashKey is the storage key of the sealed crash test, nil in clear.
func crashKey(sealed bool) []byte {
	if sealed {
		return testStorageKey(3)
	}
	return nil
}

func crashRange(seq uint64) (lo, hi int) {
	return int(seq-1) * crashPer, int(seq) * crashPer
}

func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashChildEnv)
	if path == "" {
		t.Skip("only runs as the crash test's child process")
	}
	kr, priv := testKeys(t)
	r, err := Open(Options{Path: path, Keys: kr, Key: crashKey(os.Getenv(crashSealedEnv) == "1")})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(3)
	}
	seq := r.Status().Seq + 1
	fmt.Println("ready")
	for {
		lo, hi := crashRange(seq)
		raw := synBatch(t, priv, seq, lo, hi, 1)
		if err := r.HandleBatch(t.Context(), "crash", raw); err != nil {
			fmt.Println("apply:", err)
			os.Exit(4)
		}
		fmt.Println("applied", seq)
		seq++
	}
}

// Both in clear and sealed at rest: a kill leaves sealed files cut short
// (a header with no bytes after it, or not even a whole header) and
// write-ahead logs recycled under a new IV, which must recover the same.
func TestCrashRecoversToLastWholeBatch(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	for _, sealed := range []bool{false, true} {
		t.Run(map[bool]string{false: "clear", true: "sealed"}[sealed], func(t *testing.T) { crashRounds(t, sealed) })
	}
}

func crashRounds(t *testing.T, sealed bool) {
	path := filepath.Join(t.TempDir(), DirName)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	var lastSeen uint64
	for round := 0; round < 4; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+path, fmt.Sprintf("%s=%d", crashSealedEnv, map[bool]int{false: 0, true: 1}[sealed]))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1024)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		select {
		case l := <-lines:
			if l != "ready" {
				t.Fatalf("child: %s", l)
			}
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Fatal("child did not start")
		}
		// Let it apply a few batches, then kill it at a random instant,
		// most likely inside a transaction (applying is most of its time).
		time.Sleep(time.Duration(150+rng.IntN(500)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		// A child killed before it finished a batch acknowledged nothing
		// new: the last whole batch is still the previous round's.
		acked := lastSeen
		for l := range lines {
			var s uint64
			if _, err := fmt.Sscanf(l, "applied %d", &s); err == nil {
				acked = s
			} else if strings.HasPrefix(l, "apply:") || strings.HasPrefix(l, "open:") {
				t.Fatalf("child failed: %s", l)
			}
		}
		lastSeen = verifyCrashStore(t, path, crashKey(sealed), acked, lastSeen)
		t.Logf("round %d: killed after batch %d acknowledged; replica at %d", round, acked, lastSeen)
	}
}

// verifyCrashStore checks the replica after a kill: its seq is at least the
// last batch the child acknowledged (that one was fsync'd) and at most one
// more (killed after the commit, before printing), and its content is
// exactly batches 1..seq.
func verifyCrashStore(t *testing.T, path string, key []byte, acked, prev uint64) uint64 {
	t.Helper()
	r, err := Open(Options{Path: path, ReadOnly: true, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	st := r.Status()
	if st.Seq < acked || st.Seq > acked+1 || st.Seq < prev {
		t.Fatalf("replica at seq %d, child acknowledged %d (previous round %d)", st.Seq, acked, prev)
	}
	_, hi := crashRange(st.Seq)
	if st.Seq == 0 {
		hi = 0
	}
	if st.Records != int64(hi) {
		t.Fatalf("seq %d with %d records, want %d", st.Seq, st.Records, hi)
	}
	// Every key family holds exactly the records of batches 1..seq (the
	// synthetic records have one card, one membership and one or two
	// documents each), and every index key names a stored record.
	it, err := r.st.db.NewIter(nil)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[byte]int{}
	recs := map[string]bool{}
	var named []string
	for ok := it.First(); ok; ok = it.Next() {
		k := it.Key()
		counts[k[0]]++
		switch k[0] {
		case famRec:
			recs[string(k[1:])] = true
		case famDoc, famCard, famMem:
			named = append(named, string(k[splitKey(k):]))
		}
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	if counts[famRec] != hi || counts[famCard] != hi || counts[famMem] != hi || counts[famDoc] < hi {
		t.Fatalf("key counts %v, want %d records", counts, hi)
	}
	for _, id := range named {
		if !recs[id] {
			t.Fatalf("an index key names %s, which is not stored", id)
		}
	}
	if hi > 0 {
		// The last record of the last whole batch is there and findable;
		// the first of the next is not.
		last := hi - 1
		if got, err := r.ByDocument(synState(last, 0), synDocNumber(last, 0)); err != nil || len(got) == 0 {
			t.Fatalf("last record of batch %d not found by document: %v", st.Seq, err)
		}
	}
	if _, err := r.ByID(synID(hi)); err == nil {
		t.Fatalf("a record of batch %d (not applied) is there", st.Seq+1)
	}
	return st.Seq
}
