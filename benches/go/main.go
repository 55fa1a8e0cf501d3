// Command go runs gosync's benchmark matrix with Go's own channels, so that the
// report can put goroutine channels beside the Rust contenders. It mirrors
// benches/src (same cases, capacities, message counts and thread counts) and prints
// one JSON object per cell, as the Rust runner does:
//
//	{"suite","case","cap","contender":"go","ns_per_msg","iters","messages"}
//
// Go has no unbounded channel, so that column has no Go cells.
//
//	go run . [-rep K] [-budget-ms MS] [-warmup N] [-max-iters N] [-filter A,B] [-list]
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
	messages              int
	run                   func() time.Duration
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
			cs = append(cs, cell{"matrix", mc.name, k.label, k.messages,
				func() time.Duration { return mc.f(k.messages, k.n) }})
		}
	}
	procs := runtime.GOMAXPROCS(0)
	uncontendedMsgs := msgsBuffered / procs / uncontendedCap * procs * uncontendedCap
	cs = append(cs,
		cell{"go", "try_recv_empty", "0", msgsNonblocking, func() time.Duration { return tryRecvEmpty(msgsNonblocking) }},
		cell{"go", "try_recv_closed", "0", msgsNonblocking, func() time.Duration { return tryRecvClosed(msgsNonblocking) }},
		cell{"go", "try_recv_shared", "0", msgsNonblocking, func() time.Duration { return tryRecvShared(msgsNonblocking) }},
		cell{"go", "uncontended", "100", uncontendedMsgs, func() time.Duration { return uncontended(uncontendedMsgs) }},
		cell{"go", "ping_pong", "0", msgsBlocking, func() time.Duration { return pingPong(msgsBlocking) }},
		cell{"go", "sem", "cpus", msgsBuffered, func() time.Duration { return sem(msgsBuffered) }},
		cell{"go", "select_timer", "128", msgsBlocking, func() time.Duration { return selectTimer(msgsBlocking) }},
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
	filter := flag.String("filter", "", "comma-separated substrings of case/cap/go ids to run")
	list := flag.Bool("list", false, "list the cells and exit")
	flag.Parse()
	_ = rep
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
		for i := 0; i < *warmup; i++ {
			c.run()
		}
		var total time.Duration
		iters := 0
		for iters == 0 || (total < budget && iters < *maxIters) {
			total += c.run()
			iters++
		}
		ns := float64(total.Nanoseconds()) / float64(iters*c.messages)
		if err := enc.Encode(result{c.suite, c.name, c.capLabel, "go", ns, iters, c.messages}); err != nil {
			panic(err)
		}
	}
}
