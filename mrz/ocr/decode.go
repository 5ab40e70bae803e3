package ocr

import "sort"

// scores[line][pos][class] are the classifier's similarities (higher is
// better, about -1..1).
type zoneScores [][][nClasses]float32

type decoded struct {
	layout  *layout
	lines   [][]byte
	raw     [][]byte // best allowed class per position, before check digit search
	conf    [][]float32
	score   float64 // mean similarity of the chosen characters
	failed  int     // check digits still failing
	changed int     // positions the check digit search changed
}

type alt struct {
	class int
	cost  float32
}

// maxAltCost bounds how far below the best an alternative may score and still
// be tried by the check digit search.
const maxAltCost = 0.35

func decode(l *layout, s zoneScores) *decoded {
	d := &decoded{layout: l}
	alts := make([][][]alt, l.lines)
	for li := 0; li < l.lines; li++ {
		line := make([]byte, l.length)
		conf := make([]float32, l.length)
		alts[li] = make([][]alt, l.length)
		for p := 0; p < l.length; p++ {
			kind := l.kinds[li][p]
			var cands []alt
			for c := 0; c < nClasses; c++ {
				if allowed(kind, c) {
					cands = append(cands, alt{c, -s[li][p][c]})
				}
			}
			sort.Slice(cands, func(i, j int) bool { return cands[i].cost < cands[j].cost })
			best := cands[0]
			line[p] = alphabet[best.class]
			conf[p] = -best.cost
			var as []alt
			for _, c := range cands[1:] {
				if len(as) == 3 || c.cost-best.cost > maxAltCost {
					break
				}
				as = append(as, alt{c.class, c.cost - best.cost})
			}
			alts[li][p] = as
		}
		d.lines = append(d.lines, line)
		d.raw = append(d.raw, append([]byte(nil), line...))
		d.conf = append(d.conf, conf)
	}
	locked := map[[2]int]bool{}
	for _, c := range l.checks {
		var pos [][2]int
		for _, sp := range c.spans {
			for p := sp.from; p < sp.to; p++ {
				if !locked[[2]int{sp.line, p}] {
					pos = append(pos, [2]int{sp.line, p})
				}
			}
		}
		pos = append(pos, [2]int{c.line, c.pos})
		if !checkOK(c, d.lines) {
			if !searchCheck(c, d, pos, alts) {
				d.failed++
				continue
			}
		}
		for _, p := range pos {
			locked[p] = true
		}
	}
	var sum float64
	n := 0
	for li := range d.lines {
		for p := range d.lines[li] {
			c := classIndex(d.lines[li][p])
			sum += float64(s[li][p][c])
			n++
			if d.lines[li][p] != d.raw[li][p] {
				d.changed++
			}
		}
	}
	d.score = sum / float64(n)
	return d
}

// searchCheck finds the cheapest one or two substitutions among the
// alternatives at pos that make the check digit hold.
func searchCheck(c check, d *decoded, pos [][2]int, alts [][][]alt) bool {
	type sub struct {
		at  [2]int
		alt alt
	}
	var subs []sub
	for _, p := range pos {
		for _, a := range alts[p[0]][p[1]] {
			subs = append(subs, sub{p, a})
		}
	}
	apply := func(ss ...sub) (saved []byte) {
		for _, s := range ss {
			saved = append(saved, d.lines[s.at[0]][s.at[1]])
			d.lines[s.at[0]][s.at[1]] = alphabet[s.alt.class]
		}
		return saved
	}
	undo := func(saved []byte, ss ...sub) {
		for i := len(ss) - 1; i >= 0; i-- {
			d.lines[ss[i].at[0]][ss[i].at[1]] = saved[i]
		}
	}
	bestCost := float32(1e9)
	var best []sub
	for i := range subs {
		saved := apply(subs[i])
		if checkOK(c, d.lines) && subs[i].alt.cost < bestCost {
			bestCost, best = subs[i].alt.cost, []sub{subs[i]}
		}
		undo(saved, subs[i])
	}
	// pairs too, when cheaper than the best single change: two characters
	// each barely misread beat one character replaced by a poor second
	// choice that happens to fit
	{
		for i := range subs {
			for j := i + 1; j < len(subs); j++ {
				if subs[i].at == subs[j].at {
					continue
				}
				cost := subs[i].alt.cost + subs[j].alt.cost
				if cost >= bestCost {
					continue
				}
				saved := apply(subs[i], subs[j])
				if checkOK(c, d.lines) {
					bestCost, best = cost, []sub{subs[i], subs[j]}
				}
				undo(saved, subs[i], subs[j])
			}
		}
	}
	if best == nil {
		return false
	}
	apply(best...)
	return true
}
