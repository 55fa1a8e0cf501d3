//! A TCP echo server with a thread per connection and a graceful shutdown: a quit
//! channel, and `select!` in the server loop.
//!
//! The shape of a Go server:
//!
//! ```go
//! for {
//!     select {
//!     case conn := <-conns:
//!         wg.Add(1)
//!         go func() { defer wg.Done(); handle(conn) }()
//!     case <-quit:
//!         // stop accepting, close what is open, wait for the handlers
//!         wg.Wait()
//!         return
//!     }
//! }
//! ```
//!
//! The program starts the server on 127.0.0.1 (port 0: the OS picks a free one),
//! connects its own clients, checks every echo, then closes the quit channel and
//! checks that the server wound down: every connection closed, every thread joined.
//! One client stays connected and idle through the shutdown and is told goodbye.
//!
//! ```text
//! cargo run --example echo_server            # 4 clients, 5 lines each
//! cargo run --example echo_server -- 50 200  # 50 clients, 200 lines each
//! ```

use gosync::chan::{self, Receiver};
use gosync::{select, Mutex, WaitGroup};
use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

/// The most any socket read may take before the program gives up (a bug, not a
/// slow machine): the example never hangs.
const IO_TIMEOUT: Duration = Duration::from_secs(10);
const GOODBYE: &str = "server shutting down, bye";

/// What the server did, returned when it has stopped.
#[derive(Debug)]
struct Stats {
    connections: usize,
    lines: usize,
}

fn main() {
    let mut args = std::env::args().skip(1).map(|a| {
        a.parse::<usize>()
            .expect("usage: echo_server [CLIENTS] [LINES_PER_CLIENT]")
    });
    let clients = args.next().unwrap_or(4);
    let lines = args.next().unwrap_or(5);

    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().unwrap();
    println!("server: listening on {addr}");
    let (quit_tx, quit) = chan::bounded::<()>(0);
    let server = thread::spawn(move || serve(listener, quit));

    // A client that connects, proves the line works, then idles through the shutdown.
    let mut idle = connect(addr);
    let mut idle_reader = BufReader::new(idle.try_clone().unwrap());
    assert_eq!(
        round_trip(&mut idle, &mut idle_reader, "still here?"),
        "still here?"
    );
    println!("idle client: connected; it will stay connected until the server stops");

    // Busy clients, each on its own thread, report how many echoes came back right.
    let (results_tx, results) = chan::unbounded();
    let busy: Vec<_> = (1..=clients)
        .map(|id| {
            let results_tx = results_tx.clone();
            thread::spawn(move || {
                let mut conn = connect(addr);
                let mut reader = BufReader::new(conn.try_clone().unwrap());
                let mut ok = 0;
                for n in 1..=lines {
                    let line = format!("client {id} says hello #{n}");
                    let echo = round_trip(&mut conn, &mut reader, &line);
                    assert_eq!(echo, line, "client {id}: wrong echo");
                    ok += 1;
                }
                results_tx.send((id, ok)).unwrap();
                // Dropping `conn` closes this connection: its handler sees EOF.
            })
        })
        .collect();
    drop(results_tx);

    // Collect the reports, under one deadline for all of them.
    let deadline = chan::after(IO_TIMEOUT);
    let mut reported = 0;
    while reported < clients {
        select! {
            recv(results) -> r => {
                let (id, ok) = r.expect("a client thread died: see its panic above");
                assert_eq!(ok, lines);
                if clients <= 8 {
                    println!("client {id}: {ok}/{lines} echoes correct");
                }
                reported += 1;
            }
            recv(deadline) -> _ => panic!("clients did not finish within {IO_TIMEOUT:?}"),
        }
    }
    for c in busy {
        c.join().unwrap();
    }
    println!(
        "all {clients} clients done: {} echoes checked",
        clients * lines
    );

    // Graceful shutdown: close the quit channel; every select on it becomes ready.
    println!("main: closing the quit channel");
    quit_tx.close();
    let mut goodbye = String::new();
    idle_reader.read_line(&mut goodbye).unwrap();
    assert_eq!(goodbye.trim_end(), GOODBYE);
    goodbye.clear();
    assert_eq!(idle_reader.read_line(&mut goodbye).unwrap(), 0, "then EOF");
    println!(
        "idle client: the server said {:?} and closed the connection",
        GOODBYE
    );

    let stats = server.join().unwrap();
    println!(
        "server: stopped after {} connections and {} echoed lines; every thread joined",
        stats.connections, stats.lines
    );
    assert_eq!(stats.connections, clients + 1);
    assert_eq!(stats.lines, clients * lines + 1);
    println!("main: all checks passed");
}

/// The server: an acceptor thread feeds a channel of connections, and the server loop
/// selects between a new connection and quit.
fn serve(listener: TcpListener, quit: Receiver<()>) -> Stats {
    let addr = listener.local_addr().unwrap();
    let (conns_tx, conns) = chan::bounded::<TcpStream>(0);
    // `accept` blocks and cannot take part in a select, so a thread turns it into a
    // channel. It ends when the server stops receiving from `conns`.
    let acceptor = thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { break };
            if conns_tx.send(stream).is_err() {
                break; // the server loop is gone: stop accepting
            }
        }
        // `listener` drops here: the port closes.
    });

    let echoed = Mutex::new(0usize);
    let wg = WaitGroup::new();
    let mut open = Vec::new(); // a second handle to every connection, to close it at quit
    thread::scope(|s| {
        loop {
            select! {
                recv(conns) -> conn => {
                    let Ok(conn) = conn else { break }; // the acceptor failed
                    open.push(conn.try_clone().expect("clone a TcpStream"));
                    let (quit, echoed) = (quit.clone(), &echoed);
                    wg.go(s, move || handle(conn, &quit, echoed));
                }
                recv(quit) -> _ => break, // closed: shut down
            }
        }
        println!(
            "server: quit: stop accepting, shut down its {} connections, wait for their handlers",
            open.len()
        );
        // Stop accepting: with `conns` gone, the acceptor's next send fails. Wake its
        // blocked accept with one last connection of our own.
        drop(conns);
        drop(TcpStream::connect(addr));
        // A handler blocked reading its connection wakes with EOF once the read side
        // is shut down. (Connections whose client already left give an error: fine.)
        for conn in &open {
            let _ = conn.shutdown(Shutdown::Read);
        }
        wg.wait(); // every handler has finished; the scope then joins their threads
    });
    acceptor.join().unwrap();
    let lines = *echoed.lock();
    Stats {
        connections: open.len(),
        lines,
    }
}

/// One connection: echo every line until EOF; if that EOF was the shutdown, say bye.
fn handle(conn: TcpStream, quit: &Receiver<()>, echoed: &Mutex<usize>) {
    let mut reader = BufReader::new(&conn);
    let mut writer = &conn;
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break, // the client left, or the server shut us down
            Ok(_) => {
                if writer.write_all(line.as_bytes()).is_err() {
                    break;
                }
                *echoed.lock() += 1;
            }
        }
    }
    select! {
        recv(quit) -> _ => {
            let _ = writeln!(writer, "{GOODBYE}");
        }
        default => {} // the client hung up first: nothing to say
    }
    // The server keeps a second handle to this connection (to shut it down at quit),
    // so dropping ours would not close it: say we are done explicitly.
    let _ = conn.shutdown(Shutdown::Both);
}

fn connect(addr: SocketAddr) -> TcpStream {
    let conn = TcpStream::connect(addr).expect("connect to the server");
    conn.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    conn
}

/// Sends one line and reads one line back.
fn round_trip(conn: &mut TcpStream, reader: &mut BufReader<TcpStream>, line: &str) -> String {
    // One write per line: split into pieces, a small write would wait for the
    // previous one's ACK (Nagle's algorithm), which TCP may delay by 40 ms.
    conn.write_all(format!("{line}\n").as_bytes()).unwrap();
    let mut echo = String::new();
    reader.read_line(&mut echo).expect("read the echo");
    echo.trim_end().to_string()
}
