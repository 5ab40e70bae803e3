package main

// runRun is filled by its issue; until then it says it is not available.
var runRun = notYet("run")
