//! The dynamic `Select` builder owns its cases: each closure (and each unsent value)
//! is dropped exactly once, whether its case was chosen, not chosen, or the select
//! was never waited on — for cases with nothing to drop, cases with something, and
//! selects that mix the two.

#![allow(clippy::disallowed_types)] // a plain drop counter, not synchronization

use gosync::{chan, Select};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Counts its drops.
struct Counted(Arc<AtomicUsize>);
impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn every_closure_is_dropped_once() {
    for k in [1usize, 4, 17, 64] {
        for chosen in [0, k / 2, k - 1] {
            let chans: Vec<_> = (0..k).map(|_| chan::bounded::<usize>(1)).collect();
            chans[chosen].0.send(chosen).unwrap();
            let drops = Arc::new(AtomicUsize::new(0));
            let mut sel = Select::new();
            for (i, (_, rx)) in chans.iter().enumerate() {
                if i % 3 == 1 {
                    // Plain data: nothing to drop.
                    sel = sel.recv(rx, move |m| (i, m.unwrap()));
                } else {
                    // A capture with a drop.
                    let c = Counted(drops.clone());
                    sel = sel.recv(rx, move |m| {
                        let _keep = &c;
                        (i, m.unwrap())
                    });
                }
            }
            let droppable = (0..k).filter(|i| i % 3 != 1).count();
            assert_eq!(sel.wait(), (chosen, chosen), "k {k}");
            assert_eq!(
                drops.load(Ordering::Relaxed),
                droppable,
                "k {k}, chosen {chosen}"
            );
        }
    }
}

#[test]
fn a_select_dropped_unwaited_drops_its_cases_and_values() {
    let (tx, rx) = chan::bounded::<Counted>(0);
    let drops = Arc::new(AtomicUsize::new(0));
    let c = Counted(drops.clone());
    let sel = Select::new()
        .recv(&rx, |_| 0)
        .send(&tx, Counted(drops.clone()), |_| 1)
        .recv(&rx, move |_| {
            let _keep = &c;
            2
        });
    assert_eq!(sel.len(), 3);
    drop(sel);
    // The unsent value and the capture.
    assert_eq!(drops.load(Ordering::Relaxed), 2);
    // The thread's next select reuses the buffer, and still drops what it owns.
    let c = Counted(drops.clone());
    let r = Select::new()
        .send(&tx, Counted(drops.clone()), |r| r.is_err())
        .recv(&rx, move |_| {
            let _keep = &c;
            false
        })
        .try_wait();
    assert_eq!(r, None); // nobody on the other side of a rendezvous channel
    assert_eq!(drops.load(Ordering::Relaxed), 4);
}

#[test]
fn only_plain_cases_are_let_go_without_drops() {
    // Nothing to drop anywhere: the select still chooses right, and the buffer is
    // reused by the next, droppable, select.
    let chans: Vec<_> = (0..8).map(|_| chan::bounded::<u64>(1)).collect();
    for round in 0..16u64 {
        let ready = (round as usize * 5) % 8;
        chans[ready].0.send(round).unwrap();
        let mut sel = Select::new();
        for (i, (_, rx)) in chans.iter().enumerate() {
            sel = sel.recv(rx, move |m| (i, m.unwrap()));
        }
        assert_eq!(sel.wait(), (ready, round));
    }
    let drops = Arc::new(AtomicUsize::new(0));
    chans[3].0.send(99).unwrap();
    let mut sel = Select::new();
    for (_, rx) in &chans {
        let c = Counted(drops.clone());
        sel = sel.recv(rx, move |m| {
            let _keep = &c;
            m.unwrap()
        });
    }
    assert_eq!(sel.wait(), 99);
    assert_eq!(drops.load(Ordering::Relaxed), 8);
}
