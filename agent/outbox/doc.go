// Package outbox is the kiosk's durable event queue: every event the kiosk
// reports to the central system is written here first, made durable (fsync),
// given the kiosk's next seq, and only then shown to anybody. The link
// (agent/link) reads it in seq order, publishes at QoS 1 and acknowledges
// each seq on PUBACK; acknowledged events are wiped from disk.
//
// Storage is an append-only log of segment files plus one small "acked"
// file, chosen over bbolt because the access pattern is a pure FIFO:
//
//   - Append is one write(2) and one fsync per group of concurrent callers
//     (group commit), with no B+tree page rewrites, so many sessions share
//     one disk flush;
//   - each record carries its seq and a CRC-32C, so a write torn by a power
//     cut is detected on Open and the tail truncated there;
//   - wiping delivered personal data is deleting whole files (overwritten
//     with zeros first): nothing of a delivered event stays in free pages
//     of a database file, which bbolt would not guarantee.
//
// File layout in Dir:
//
//	seg-%016x.log   records: u32 len | u32 crc32c(seq|data) | u64 seq | data
//	acked           u64 seq | u32 crc32c, replaced atomically (rename)
//
// Invariants: seq increases by exactly one per durable record, across
// segments and restarts (the next seq is max(last record, acked)+1, so it
// survives even when every segment has been wiped); a segment is deleted
// only after an acked file covering its last record has been fsynced;
// records are handed to the publisher only once durable, so a seq that
// reaches the broker can never be reused for another event after a crash.
//
// Bounds: Append refuses with ErrFull once MaxEvents are undelivered. Full()
// turns true earlier, at HighWater: the kiosk then goes degraded and stops
// admitting travelers, while the remaining room still takes the device,
// command and security events that must never be dropped.
package outbox
