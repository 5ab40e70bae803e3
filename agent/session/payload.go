package session

import (
	"github.com/xpt-pilot/xpt-kiosk/agent/view"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// What the agent hands the flow with a document, a chip step and a face
// step. The flow only keeps them for the session (and forgets them with
// it); it never looks inside. They are concrete types so that the agent
// reads them back without a type assertion.

// Lookup is the replica's answer for a document, asked once when the
// document is read: the decision reuses it and asks again only what it
// did not cover (a card tag), or all of it when the replica changed in
// between (its seq moved: a revocation that arrived during the session
// still counts).
type Lookup struct {
	Seq        uint64             // the replica's seq just before the look-up
	Candidates []wire.AuthzRecord // the records of the document
	Err        error              // the replica could not answer
}

// FaceResult is a face capture's outcome, with verification when it ran.
type FaceResult struct {
	Captured bool
	Reason   string // why capture failed (a guidance or device code)
	JPEG     []byte
	Quality  map[string]float64
	// Verify is the face.verify check: successful/failed with score and
	// threshold, or not_supported when no comparator is configured.
	Verify wire.Check
	// DeviceFault is set when the camera failed during the capture.
	DeviceFault string
}

// ChipResult is one traveler's chip step, without raw chip files: the
// reader keeps DG1, DG2 and EF.SOD only as long as it verifies them.
type ChipResult struct {
	Read     bool
	Failure  string // when not Read: no_chip | access_denied | timeout | removed | read_error | malformed
	Detail   string // why, in words (English, no personal data)
	Protocol string // BAC | PACE
	// DG1Matches: DG1 is the printed zone, character for character.
	DG1Matches bool
	PA         view.PassiveAuth
	AA         view.ActiveAuth
	CA         view.ActiveAuth
	// Photo is DG2's face image as JPEG (a JPEG 2000 original converted:
	// PhotoOriginalType says so); nil when DG2 had none or it could not be
	// decoded (PhotoDetail says why).
	Photo             []byte
	PhotoType         string
	PhotoOriginalType string
	PhotoDetail       string
	// ReaderFault is the reader's fault code when the reader, not the
	// chip, failed (pcscd not answering, no reader): a DEVICE_FAULT too.
	ReaderFault string
}

// Wipe overwrites the chip's photo: nothing of the chip stays once the
// outcome is delivered (a referral keeps its own copy until it is pruned).
func (c *ChipResult) Wipe() {
	if c == nil {
		return
	}
	clear(c.Photo)
	c.Photo = nil
}
