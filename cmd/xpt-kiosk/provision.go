package main

// runProvision is filled by its issue; until then it says it is not available.
var runProvision = notYet("provision")
