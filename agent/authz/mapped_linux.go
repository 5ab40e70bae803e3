package authz

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// releaseMapped drops this process's mapping of the replica's pages once
// more than the budget of them is resident (VmRSS counts them: RssFile).
// The mapping is read-only and shared, so MADV_DONTNEED only unmaps: the
// page cache keeps the pages and the next read maps them again. Called by
// the writer after a commit, when bbolt cannot be remapping.
func (r *Replica) releaseMapped() {
	if r.opt.MappedBudget < 0 {
		return
	}
	if rssFile() < r.opt.MappedBudget {
		return
	}
	info := r.st.db.Info()
	fi, err := os.Stat(r.st.path)
	if err != nil || info.Data == 0 {
		return
	}
	pg := int64(os.Getpagesize())
	n := fi.Size() / pg * pg
	if n <= 0 {
		return
	}
	if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, info.Data, uintptr(n), uintptr(syscall.MADV_DONTNEED)); errno != 0 {
		r.opt.Log.Debug("authz madvise failed", "errno", errno)
	}
}

// rssFile is the process's resident file-backed memory in bytes.
func rssFile() int64 {
	return procStatusKB("RssFile:") * 1024
}

// procStatusKB reads one "Name:   N kB" line of /proc/self/status.
func procStatusKB(name string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Bytes()
		if bytes.HasPrefix(line, []byte(name)) {
			fields := bytes.Fields(line[len(name):])
			if len(fields) > 0 {
				v, _ := strconv.ParseInt(string(fields[0]), 10, 64)
				return v
			}
		}
	}
	return 0
}
