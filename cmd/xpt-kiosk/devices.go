package main

// runDevices is filled by its issue; until then it says it is not available.
var runDevices = notYet("devices")
