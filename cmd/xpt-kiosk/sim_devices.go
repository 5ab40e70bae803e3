package main

var (
	runSimMRZReader  = notYet("sim mrz-reader")
	runSimCardReader = notYet("sim card-reader")
)
