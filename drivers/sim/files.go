package sim

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"
)

// ReadDocuments reads a file of documents of 2 or 3 lines separated by blank lines;
// lines starting with # are comments.
func ReadDocuments(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var docs [][]string
	var cur []string
	flush := func(line int) error {
		if len(cur) == 0 {
			return nil
		}
		if len(cur) < 2 || len(cur) > 3 {
			return fmt.Errorf("the document ending at line %d has %d lines; a document has 2 or 3", line, len(cur))
		}
		docs = append(docs, cur)
		cur = nil
		return nil
	}
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		l := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(l, "#"):
		case l == "":
			if err := flush(n); err != nil {
				return nil, err
			}
		default:
			cur = append(cur, l)
		}
	}
	if err := flush(n); err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, errors.New("no documents in the file")
	}
	return docs, sc.Err()
}

// ReadTags reads a file of tags, one per line; # starts a comment.
func ReadTags(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var tags []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			tags = append(tags, l)
		}
	}
	if len(tags) == 0 {
		return nil, errors.New("no tags in the file")
	}
	return tags, nil
}
