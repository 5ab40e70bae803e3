package main

// runSelftest is filled by its issue; until then it says it is not available.
var runSelftest = notYet("selftest")
