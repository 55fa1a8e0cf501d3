//! Boids: a flock where every bird is a thread.
//!
//! Each boid follows three rules about the neighbours it can see: keep apart
//! (separation), fly the same way (alignment), stay close (cohesion). Order emerges:
//! the flock's "order" (1.0 = all flying the same way) climbs as the frames go by.
//!
//! The concurrency:
//! - The world is one `RwMutex<Vec<Boid>>`. To compute its next move a boid reads
//!   the whole flock under a *read* lock — all boids read at once — and then writes
//!   its own entry under the *write* lock, one writer at a time.
//! - The boids step in lockstep: a barrier built from a `Mutex` and a `Cond` (Go's
//!   `sync.Cond`) separates "everyone has computed from frame t" from "everyone has
//!   written frame t+1", so no boid ever sees a half-updated flock. The main thread
//!   joins the barrier too, and draws each finished frame.
//! - Because of that, the threaded run must match a plain sequential simulation
//!   exactly, bit for bit: the program checks it at the end.
//!
//! ```text
//! cargo run --release --example boids                      # 24 boids, 40 frames, 5 drawn
//! cargo run --release --example boids -- --animate         # watch it fly (300 frames)
//! cargo run --release --example boids -- --boids 60 --frames 200 --every 50 --svg flock.svg
//! ```
//!
//! Options: `--boids N`, `--frames N`, `--every K` (draw every K-th frame), `--seed S`,
//! `--animate` (redraw in place, every frame, at about 25 frames per second), and
//! `--svg PATH` (write the last frame, with each boid's recent trail, as an SVG).

use gosync::{Cond, Mutex, RwMutex};
use std::fmt::Write as _;
use std::thread;
use std::time::Duration;

/// The world is a torus of this size (a boid leaving on the right comes back on the
/// left). One terminal cell is 2 units wide and 4 tall, about a character's shape.
const WIDTH: f64 = 128.0;
const HEIGHT: f64 = 64.0;
const COLS: usize = 64;
const ROWS: usize = 16;

const VIEW: f64 = 20.0; // how far a boid sees
const PERSONAL: f64 = 5.0; // closer than this is too close
const COHESION: f64 = 0.008;
const ALIGNMENT: f64 = 0.1;
const SEPARATION: f64 = 0.35;
const MIN_SPEED: f64 = 0.8;
const MAX_SPEED: f64 = 2.0;

#[derive(Clone, Copy, Debug, PartialEq)]
struct Boid {
    x: f64,
    y: f64,
    vx: f64,
    vy: f64,
}

struct Options {
    boids: usize,
    frames: usize,
    every: usize,
    seed: u64,
    animate: bool,
    svg: Option<String>,
}

fn main() {
    let opt = parse_args();
    let flock = initial_flock(opt.boids, opt.seed);
    println!(
        "{} boids, one thread each, {} frames in lockstep (world {WIDTH}×{HEIGHT}, wrapping at the edges)",
        opt.boids, opt.frames
    );

    let world = RwMutex::new(flock.clone());
    let barrier = Barrier::new(opt.boids + 1); // every boid, and the main thread
    let trail_len = 12;
    let mut history: Vec<Vec<Boid>> = vec![flock.clone()];
    draw(&opt, 0, &flock);

    thread::scope(|s| {
        for me in 0..opt.boids {
            let (world, barrier, frames) = (&world, &barrier, opt.frames);
            s.spawn(move || {
                for _ in 0..frames {
                    // Read the flock (shared with every other boid reading), compute.
                    let next = step(me, &world.read());
                    barrier.wait(); // everyone has computed from the same frame
                    world.write()[me] = next; // one writer at a time
                    barrier.wait(); // everyone has written: the frame is complete
                }
            });
        }
        for frame in 1..=opt.frames {
            barrier.wait(); // the boids have computed frame `frame`...
            barrier.wait(); // ...and written it
                            // Safe to read until we reach the next barrier: no boid writes before it.
            let snapshot = world.read().clone();
            if frame % opt.every == 0 || frame == opt.frames {
                draw(&opt, frame, &snapshot);
            }
            history.push(snapshot);
            if history.len() > trail_len {
                history.remove(0);
            }
        }
    }); // every boid thread has finished its frames and is joined here

    let last = world.into_inner();
    // The same simulation, sequentially: it must agree exactly.
    let mut reference = flock;
    for _ in 0..opt.frames {
        reference = (0..reference.len()).map(|i| step(i, &reference)).collect();
    }
    assert_eq!(
        last, reference,
        "the threaded flock diverged from the sequential one"
    );
    println!(
        "{} boid threads finished and joined; their flock matches a sequential simulation bit for bit",
        opt.boids
    );

    if let Some(path) = &opt.svg {
        std::fs::write(path, svg(&history, opt.frames)).expect("write the SVG");
        println!(
            "wrote {path}: the last frame, with each boid's last {} moves",
            history.len() - 1
        );
    }
}

/// One boid's next state, from the whole flock's current one.
fn step(me: usize, flock: &[Boid]) -> Boid {
    let b = flock[me];
    let (mut cx, mut cy, mut ax, mut ay, mut sx, mut sy) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    let mut seen = 0u32;
    for (i, o) in flock.iter().enumerate() {
        if i == me {
            continue;
        }
        let dx = wrap(o.x - b.x, WIDTH);
        let dy = wrap(o.y - b.y, HEIGHT);
        let d2 = dx * dx + dy * dy;
        if d2 < VIEW * VIEW {
            seen += 1;
            cx += dx;
            cy += dy;
            ax += o.vx;
            ay += o.vy;
            if d2 < PERSONAL * PERSONAL {
                // Push away, harder the closer.
                let d = d2.sqrt().max(0.1);
                sx -= dx / d * (PERSONAL - d) / PERSONAL;
                sy -= dy / d * (PERSONAL - d) / PERSONAL;
            }
        }
    }
    let (mut vx, mut vy) = (b.vx, b.vy);
    if seen > 0 {
        let n = f64::from(seen);
        vx += cx / n * COHESION + (ax / n - vx) * ALIGNMENT;
        vy += cy / n * COHESION + (ay / n - vy) * ALIGNMENT;
    }
    vx += sx * SEPARATION;
    vy += sy * SEPARATION;
    let speed = (vx * vx + vy * vy).sqrt();
    if speed > MAX_SPEED {
        (vx, vy) = (vx / speed * MAX_SPEED, vy / speed * MAX_SPEED);
    } else if speed < MIN_SPEED && speed > 0.0 {
        (vx, vy) = (vx / speed * MIN_SPEED, vy / speed * MIN_SPEED);
    }
    Boid {
        x: (b.x + vx).rem_euclid(WIDTH),
        y: (b.y + vy).rem_euclid(HEIGHT),
        vx,
        vy,
    }
}

/// The shortest signed distance along one axis of the torus.
fn wrap(d: f64, size: f64) -> f64 {
    if d > size / 2.0 {
        d - size
    } else if d < -size / 2.0 {
        d + size
    } else {
        d
    }
}

/// How aligned the flock is: the length of the average heading, 0 (chaos) to 1.
fn order(flock: &[Boid]) -> f64 {
    let (mut hx, mut hy) = (0.0, 0.0);
    for b in flock {
        let s = (b.vx * b.vx + b.vy * b.vy).sqrt().max(1e-9);
        hx += b.vx / s;
        hy += b.vy / s;
    }
    (hx * hx + hy * hy).sqrt() / flock.len().max(1) as f64
}

/// A reusable barrier: Go has none in `sync`, so here is the classic one built from
/// a `Mutex` and a `Cond`. The generation number tells a waiter that *its* round is
/// over (and keeps a fast thread that comes straight back from slipping through).
struct Barrier {
    state: Mutex<(usize, u64)>, // (arrived in this round, round number)
    all_here: Cond,
    parties: usize,
}

impl Barrier {
    fn new(parties: usize) -> Self {
        Barrier {
            state: Mutex::new((0, 0)),
            all_here: Cond::new(),
            parties,
        }
    }

    fn wait(&self) {
        let mut g = self.state.lock();
        let round = g.1;
        g.0 += 1;
        if g.0 == self.parties {
            *g = (0, round + 1);
            drop(g);
            self.all_here.broadcast();
        } else {
            let _g = self.all_here.wait_while(g, |s| s.1 == round);
        }
    }
}

/// Prints one frame as ASCII art (or redraws in place with `--animate`).
fn draw(opt: &Options, frame: usize, flock: &[Boid]) {
    let mut grid = vec![[b' '; COLS]; ROWS];
    for b in flock {
        let col = ((b.x / WIDTH * COLS as f64) as usize).min(COLS - 1);
        let row = ((b.y / HEIGHT * ROWS as f64) as usize).min(ROWS - 1);
        let cell = &mut grid[row][col];
        *cell = match *cell {
            b' ' => glyph(b.vx, b.vy),
            b'2'..=b'8' => *cell + 1,
            b'9' | b'#' => b'#',
            _ => b'2', // two boids share this cell
        };
    }
    let mut out = String::new();
    if opt.animate {
        out.push_str("\x1b[H\x1b[2J"); // cursor home, clear screen
    }
    let _ = writeln!(
        out,
        "frame {frame:>4}/{}   order {:.2}   {} threads",
        opt.frames,
        order(flock),
        flock.len()
    );
    let edge = format!("+{}+", "-".repeat(COLS));
    let _ = writeln!(out, "{edge}");
    for row in &grid {
        let _ = writeln!(out, "|{}|", String::from_utf8_lossy(row));
    }
    let _ = writeln!(out, "{edge}");
    print!("{out}");
    if opt.animate {
        thread::sleep(Duration::from_millis(40)); // pacing for human eyes only
    }
}

/// An arrow for a heading; screen y grows downward.
fn glyph(vx: f64, vy: f64) -> u8 {
    let angle = (-vy).atan2(vx); // counter-clockwise from east
    let octant = ((angle / std::f64::consts::FRAC_PI_4).round() as i32).rem_euclid(8);
    b">/^\\</v\\"[octant as usize]
}

/// The last frame as an SVG: each boid a triangle pointing where it flies, coloured
/// by heading, with a faint trail of its recent positions.
fn svg(history: &[Vec<Boid>], frame: usize) -> String {
    const SCALE: f64 = 5.0;
    let (w, h) = (WIDTH * SCALE, HEIGHT * SCALE);
    let mut out = String::new();
    let _ = writeln!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}">"##
    );
    let _ = writeln!(
        out,
        r##"<rect width="100%" height="100%" fill="#10141c"/>"##
    );
    let last = history.last().expect("at least the first frame");
    for (i, b) in last.iter().enumerate() {
        let hue = ((b.vy.atan2(b.vx).to_degrees() + 360.0) % 360.0).round();
        // The trail, cut where the boid wrapped around an edge.
        let mut segment: Vec<(f64, f64)> = Vec::new();
        let mut segments = Vec::new();
        for frame in history {
            let p = (frame[i].x, frame[i].y);
            if let Some(&(px, py)) = segment.last() {
                if (p.0 - px).abs() > WIDTH / 2.0 || (p.1 - py).abs() > HEIGHT / 2.0 {
                    segments.push(std::mem::take(&mut segment));
                }
            }
            segment.push(p);
        }
        segments.push(segment);
        for seg in segments.iter().filter(|s| s.len() > 1) {
            let points: Vec<String> = seg
                .iter()
                .map(|(x, y)| format!("{:.1},{:.1}", x * SCALE, y * SCALE))
                .collect();
            let _ = writeln!(
                out,
                r#"<polyline points="{}" fill="none" stroke="hsl({hue},70%,60%)" stroke-opacity="0.35" stroke-width="2"/>"#,
                points.join(" ")
            );
        }
        // A triangle 12 px long pointing along the velocity.
        let s = (b.vx * b.vx + b.vy * b.vy).sqrt().max(1e-9);
        let (ux, uy) = (b.vx / s, b.vy / s);
        let (x, y) = (b.x * SCALE, b.y * SCALE);
        let tip = (x + ux * 8.0, y + uy * 8.0);
        let left = (x - ux * 4.0 - uy * 4.0, y - uy * 4.0 + ux * 4.0);
        let right = (x - ux * 4.0 + uy * 4.0, y - uy * 4.0 - ux * 4.0);
        let _ = writeln!(
            out,
            r#"<polygon points="{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}" fill="hsl({hue},80%,65%)"/>"#,
            tip.0, tip.1, left.0, left.1, right.0, right.1
        );
    }
    let _ = writeln!(
        out,
        r##"<text x="10" y="20" fill="#c8d0e0" font-family="monospace" font-size="14">gosync boids: {} threads, frame {frame}, order {:.2}</text>"##,
        last.len(),
        order(last)
    );
    out.push_str("</svg>\n");
    out
}

/// A flock in random places with random headings, from a seed (xorshift64*).
fn initial_flock(n: usize, seed: u64) -> Vec<Boid> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| {
            let angle = next() * std::f64::consts::TAU;
            let speed = MIN_SPEED + next() * (MAX_SPEED - MIN_SPEED);
            Boid {
                x: next() * WIDTH,
                y: next() * HEIGHT,
                vx: angle.cos() * speed,
                vy: angle.sin() * speed,
            }
        })
        .collect()
}

fn parse_args() -> Options {
    let mut opt = Options {
        boids: 32,
        frames: 60,
        every: 20,
        seed: 7,
        animate: false,
        svg: None,
    };
    let usage =
        "usage: boids [--boids N] [--frames N] [--every K] [--seed S] [--animate] [--svg PATH]";
    let mut args = std::env::args().skip(1);
    let mut frames_given = false;
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| panic!("{arg} needs a value\n{usage}"))
        };
        match arg.as_str() {
            "--boids" => opt.boids = value().parse().expect(usage),
            "--frames" => {
                opt.frames = value().parse().expect(usage);
                frames_given = true;
            }
            "--every" => opt.every = value().parse::<usize>().expect(usage).max(1),
            "--seed" => opt.seed = value().parse().expect(usage),
            "--svg" => opt.svg = Some(value()),
            "--animate" => opt.animate = true,
            _ => panic!("unknown argument {arg:?}\n{usage}"),
        }
    }
    if opt.animate {
        opt.every = 1;
        if !frames_given {
            opt.frames = 300;
        }
    }
    opt
}
