package main

// runSim is filled by its issue; until then it says it is not available.
var runSim = notYet("sim")
