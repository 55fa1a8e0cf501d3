fn main() {
    let (tx, rx) = gosync::bounded::<u64>(0);
    let n = 1_000_000u64;
    let t0 = std::time::Instant::now();
    let h = std::thread::spawn(move || {
        for i in 0..n {
            tx.send(i).unwrap();
        }
    });
    let mut s = 0;
    for v in &rx {
        s += v;
    }
    h.join().unwrap();
    assert_eq!(s, n * (n - 1) / 2);
    println!("rendezvous {:?}/msg", t0.elapsed() / n as u32);
    for cap in [1usize, 1000] {
        let (tx, rx) = gosync::bounded::<u64>(cap);
        let t0 = std::time::Instant::now();
        let hs: Vec<_> = (0..4)
            .map(|_| {
                let tx = tx.clone();
                std::thread::spawn(move || {
                    for i in 0..n / 4 {
                        tx.send(i).unwrap();
                    }
                })
            })
            .collect();
        drop(tx);
        let rs: Vec<_> = (0..4)
            .map(|_| {
                let rx = rx.clone();
                std::thread::spawn(move || rx.iter().count())
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        let c: usize = rs.into_iter().map(|r| r.join().unwrap()).sum();
        assert_eq!(c as u64, n / 4 * 4);
        println!("mpmc cap {cap}: {:?}/msg", t0.elapsed() / n as u32);
    }
}
