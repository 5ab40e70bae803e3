package main

// runAudit is filled by the outbox issue.
var runAudit = notYet("audit")
