// Command go runs gosync's benchmark matrix with Go's own channels, so that the
// report can put goroutine channels beside the Rust contenders. It mirrors
// benches/src (same cases, capacities, message counts and thread counts) and prints
// one JSON object per cell, as the Rust runner does:
//
//	{"suite","case","cap","contender":"go","ns_per_msg","iters","messages"}
//
// Go has no unbounded channel, so that column has no Go cells.
//
//	go run . [-rep K] [-budget-ms MS] [-warmup N] [-max-iters N] [-scale F] [-filter A,B] [-list]
//
// As in the Rust runner, warm-up iterations move a tenth of the messages, and -scale
// F (0 < F <= 1) moves F times the default count per iteration.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"
)

// Keep these in step with benches/src/lib.rs and benches/src/micro.rs.
const (
	threads         = 4         // senders / receivers / channels in the many-thread cases
	largeCap        = 100_000   // the "large" capacity
	msgsBlocking    = 20_000    // messages per iteration at capacity 0 and 1
	msgsBuffered    = 100_000   // messages per iteration at the large capacity
	msgsNonblocking = 1_000_000 // operations per iteration of the try_recv cases
	uncontendedCap  = 100
	selectTimerCap  = 128
)

// sink keeps results alive so the compiler cannot drop a receive.
var sink uint64

type cell struct {
	suite, name, capLabel string
	messages              int // by default
	unit                  int // a count passed to run is a multiple of this
	run                   func(n int) time.Duration
}

// messagesAt is the message count for scale times the default, rounded to a
// multiple of the cell's unit, at least one unit.
func (c cell) messagesAt(scale float64) int {
	n := int(float64(c.messages)*scale) / c.unit
	if n < 1 {
		n = 1
	}
	return n * c.unit
}

func (c cell) id() string { return c.name + "/" + c.capLabel + "/go" }

// runGoroutines starts one goroutine per job, lines them up, and returns the time
// from the first job's start to the last job's end (each goroutine reads the clock
// itself, as the Rust runner's threads do).
func runGoroutines(jobs []func()) time.Duration {
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	spans := make([][2]time.Time, len(jobs))
	ready.Add(len(jobs))
	done.Add(len(jobs))
	for i, job := range jobs {
		i, job := i, job
		go func() {
			ready.Done()
			<-start
			t0 := time.Now()
			job()
			spans[i] = [2]time.Time{t0, time.Now()}
			done.Done()
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
	first, last := spans[0][0], spans[0][1]
	for _, s := range spans[1:] {
		if s[0].Before(first) {
			first = s[0]
		}
		if s[1].After(last) {
			last = s[1]
		}
	}
	return last.Sub(first)
}

func seq(n, c int) time.Duration {
	ch := make(chan uint64, c)
	t0 := time.Now()
	for i := 0; i < n; i++ {
		ch <- uint64(i)
	}
	for i := 0; i < n; i++ {
		sink += <-ch
	}
	return time.Since(t0)
}

func spsc(n, c int) time.Duration {
	ch := make(chan uint64, c)
	return runGoroutines([]func(){
		func() {
			for i := 0; i < n; i++ {
				ch <- uint64(i)
			}
		},
		func() {
			var s uint64
			for i := 0; i < n; i++ {
				s += <-ch
			}
			sink += s
		},
	})
}

func mpsc(n, c int) time.Duration {
	ch := make(chan uint64, c)
	per := n / threads
	var jobs []func()
	for t := 0; t < threads; t++ {
		jobs = append(jobs, func() {
			for i := 0; i < per; i++ {
				ch <- uint64(i)
			}
		})
	}
	jobs = append(jobs, func() {
		var s uint64
		for i := 0; i < per*threads; i++ {
			s += <-ch
		}
		sink += s
	})
	return runGoroutines(jobs)
}

func mpmc(n, c int) time.Duration {
	ch := make(chan uint64, c)
	per := n / threads
	var jobs []func()
	for t := 0; t < threads; t++ {
		jobs = append(jobs, func() {
			for i := 0; i < per; i++ {
				ch <- uint64(i)
			}
		}, func() {
			var s uint64
			for i := 0; i < per; i++ {
				s += <-ch
			}
			sink += s
		})
	}
	return runGoroutines(jobs)
}

func fourChans(c int) [threads]chan uint64 {
	var cs [threads]chan uint64
	for i := range cs {
		cs[i] = make(chan uint64, c)
	}
	return cs
}

func selectRecv(cs *[threads]chan uint64) uint64 {
	select {
	case v := <-cs[0]:
		return v
	case v := <-cs[1]:
		return v
	case v := <-cs[2]:
		return v
	case v := <-cs[3]:
		return v
	}
}

func selectSend(cs *[threads]chan uint64, v uint64) {
	select {
	case cs[0] <- v:
	case cs[1] <- v:
	case cs[2] <- v:
	case cs[3] <- v:
	}
}

func selectRx(n, c int) time.Duration {
	cs := fourChans(c)
	per := n / threads
	var jobs []func()
	for t := 0; t < threads; t++ {
		ch := cs[t]
		jobs = append(jobs, func() {
			for i := 0; i < per; i++ {
				ch <- uint64(i)
			}
		})
	}
	jobs = append(jobs, func() {
		var s uint64
		for i := 0; i < per*threads; i++ {
			s += selectRecv(&cs)
		}
		sink += s
	})
	return runGoroutines(jobs)
}

func selectBoth(n, c int) time.Duration {
	cs := fourChans(c)
	per := n / threads
	var jobs []func()
	for t := 0; t < threads; t++ {
		jobs = append(jobs, func() {
			for i := 0; i < per; i++ {
				selectSend(&cs, uint64(i))
			}
		}, func() {
			var s uint64
			for i := 0; i < per; i++ {
				s += selectRecv(&cs)
			}
			sink += s
		})
	}
	return runGoroutines(jobs)
}

func tryRecvEmpty(n int) time.Duration {
	ch := make(chan uint64)
	var s uint64
	t0 := time.Now()
	for i := 0; i < n; i++ {
		select {
		case v := <-ch:
			s += v
		default:
		}
	}
	d := time.Since(t0)
	sink += s
	return d
}

func tryRecvClosed(n int) time.Duration {
	ch := make(chan uint64)
	close(ch)
	var s uint64
	t0 := time.Now()
	for i := 0; i < n; i++ {
		select {
		case v := <-ch:
			s += v
		default:
		}
	}
	d := time.Since(t0)
	sink += s
	return d
}

func tryRecvShared(n int) time.Duration {
	ch := make(chan uint64)
	per := n / threads
	var jobs []func()
	for t := 0; t < threads; t++ {
		jobs = append(jobs, func() {
			var s uint64
			for i := 0; i < per; i++ {
				select {
				case v := <-ch:
					s += v
				default:
				}
			}
			sink += s
		})
	}
	return runGoroutines(jobs)
}

func uncontended(n int) time.Duration {
	procs := runtime.GOMAXPROCS(0)
	rounds := n / procs / uncontendedCap
	var jobs []func()
	for t := 0; t < procs; t++ {
		ch := make(chan uint64, uncontendedCap)
		jobs = append(jobs, func() {
			var s uint64
			for r := 0; r < rounds; r++ {
				for i := 0; i < uncontendedCap; i++ {
					ch <- uint64(i)
				}
				for i := 0; i < uncontendedCap; i++ {
					s += <-ch
				}
			}
			sink += s
		})
	}
	return runGoroutines(jobs)
}

func pingPong(n int) time.Duration {
	ch := make(chan uint64)
	rounds := n / 2
	return runGoroutines([]func(){
		func() {
			var s uint64
			for i := 0; i < rounds; i++ {
				ch <- uint64(i)
				s += <-ch
			}
			sink += s
		},
		func() {
			for i := 0; i < rounds; i++ {
				v := <-ch
				ch <- v
			}
		},
	})
}

func sem(n int) time.Duration {
	procs := runtime.GOMAXPROCS(0)
	ch := make(chan struct{}, procs)
	per := n / procs
	var jobs []func()
	for t := 0; t < procs; t++ {
		jobs = append(jobs, func() {
			for i := 0; i < per; i++ {
				ch <- struct{}{}
				<-ch
			}
		})
	}
	return runGoroutines(jobs)
}

func selectTimer(n int) time.Duration {
	ch := make(chan uint64, selectTimerCap)
	t1, t2 := time.NewTimer(time.Hour), time.NewTimer(time.Hour)
	defer t1.Stop()
	defer t2.Stop()
	return runGoroutines([]func(){
		func() {
			for i := 0; i < n; i++ {
				select {
				case ch <- uint64(i):
				case <-t1.C:
					panic("the timer fired")
				}
			}
		},
		func() {
			var s uint64
			for i := 0; i < n; i++ {
				select {
				case v := <-ch:
					s += v
				case <-t2.C:
					panic("the timer fired")
				}
			}
			sink += s
		},
	})
}

func cells() []cell {
	var cs []cell
	type capacity struct {
		label    string
		n        int
		messages int
	}
	caps := []capacity{{"0", 0, msgsBlocking}, {"1", 1, msgsBlocking}, {"large", largeCap, msgsBuffered}}
	type mcase struct {
		name string
		f    func(n, c int) time.Duration
	}
	cases := []mcase{{"seq", seq}, {"spsc", spsc}, {"mpsc", mpsc}, {"mpmc", mpmc},
		{"select_rx", selectRx}, {"select_both", selectBoth}}
	for _, k := range caps {
		for _, mc := range cases {
			if mc.name == "seq" && k.n <= 1 {
				continue
			}
			k, mc := k, mc
			unit := threads
			if mc.name == "seq" {
				unit = 1
			}
			cs = append(cs, cell{"matrix", mc.name, k.label, k.messages, unit,
				func(n int) time.Duration { return mc.f(n, k.n) }})
		}
	}
	procs := runtime.GOMAXPROCS(0)
	micro := func(name, capLabel string, messages, unit int, f func(n int) time.Duration) cell {
		return cell{"go", name, capLabel, messages / unit * unit, unit, f}
	}
	cs = append(cs,
		micro("try_recv_empty", "0", msgsNonblocking, 1, tryRecvEmpty),
		micro("try_recv_closed", "0", msgsNonblocking, 1, tryRecvClosed),
		micro("try_recv_shared", "0", msgsNonblocking, threads, tryRecvShared),
		micro("uncontended", "100", msgsBuffered, procs*uncontendedCap, uncontended),
		micro("ping_pong", "0", msgsBlocking, 2, pingPong),
		micro("sem", "cpus", msgsBuffered, procs, sem),
		micro("select_timer", "128", msgsBlocking, 1, selectTimer),
	)
	return cs
}

type result struct {
	Suite     string  `json:"suite"`
	Case      string  `json:"case"`
	Cap       string  `json:"cap"`
	Contender string  `json:"contender"`
	NsPerMsg  float64 `json:"ns_per_msg"`
	Iters     int     `json:"iters"`
	Messages  int     `json:"messages"`
}

func main() {
	rep := flag.Int("rep", 0, "repetition number (unused by Go: one contender per cell)")
	budgetMs := flag.Int("budget-ms", 200, "timed iterations run until their total reaches this")
	warmup := flag.Int("warmup", 1, "untimed iterations first")
	maxIters := flag.Int("max-iters", 1000, "at most this many timed iterations")
	scale := flag.Float64("scale", 1, "move this times the default message count (0 < F <= 1)")
	filter := flag.String("filter", "", "comma-separated substrings of case/cap/go ids to run")
	list := flag.Bool("list", false, "list the cells and exit")
	flag.Parse()
	_ = rep
	if *scale <= 0 || *scale > 1 {
		fmt.Fprintln(os.Stderr, "-scale must be in (0, 1]")
		os.Exit(2)
	}
	budget := time.Duration(*budgetMs) * time.Millisecond
	enc := json.NewEncoder(os.Stdout)
	for _, c := range cells() {
		if *filter != "" {
			keep := false
			for _, f := range strings.Split(*filter, ",") {
				if f != "" && strings.Contains(c.id(), f) {
					keep = true
				}
			}
			if !keep {
				continue
			}
		}
		if *list {
			fmt.Printf("%s (%d messages)\n", c.id(), c.messages)
			continue
		}
		n := c.messagesAt(*scale)
		for i := 0; i < *warmup; i++ {
			c.run(c.messagesAt(*scale / 10))
		}
		var total time.Duration
		iters := 0
		for iters == 0 || (total < budget && iters < *maxIters) {
			total += c.run(n)
			iters++
		}
		ns := float64(total.Nanoseconds()) / float64(iters*n)
		if err := enc.Encode(result{c.suite, c.name, c.capLabel, "go", ns, iters, n}); err != nil {
			panic(err)
		}
	}
}
