package serialdev

// SetListPorts replaces the USB enumeration in tests.
func SetListPorts(f func() ([]PortInfo, error)) (restore func()) {
	old := listPorts
	listPorts = f
	return func() { listPorts = old }
}
