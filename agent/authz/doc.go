// Package authz owns the kiosk's local replica of the multi-entry
// authorizations: a Pebble store (an LSM tree behind a write-ahead log)
// that survives power loss at any instant, fed by signed, sequenced
// batches from the central system
// (../shared/spec/central-protocol.md, "Authorization data"), and looked up
// by document, card tag, membership ID and authorization ID.
//
// The MQTT link hands every envelope it receives to HandleBatch or
// HandleHead and implements SyncRequester; the agent reports rejections
// (OnReject) as security.message_rejected events. docs/authz.md has the
// store layout, the batch rules and the measured figures.
//
// The package never logs names or document numbers above debug level.
package authz
