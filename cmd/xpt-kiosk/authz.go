package main

// runAuthz is filled by the replica issue.
var runAuthz = notYet("authz")
