package main

var runSimFleet = notYet("sim fleet")
