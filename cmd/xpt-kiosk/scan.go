package main

// runScan is filled by its issue; until then it says it is not available.
var runScan = notYet("scan")
