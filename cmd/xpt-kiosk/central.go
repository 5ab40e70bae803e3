package main

// runCentral is filled by its issue; until then it says it is not available.
var runCentral = notYet("central")
