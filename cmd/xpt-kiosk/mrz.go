package main

// runMrz is filled by its issue; until then it says it is not available.
var runMrz = notYet("mrz")
