//! `select!` and `select_biased!`: a token-tree muncher that turns the cases into
//! local case values (evaluated once, in source order), runs the engine over them,
//! and then runs the chosen arm in the caller's own function body — so arms may
//! `break`, `continue`, `return` and use `?`.
//!
//! The expansion, for `recv(r) -> msg => a, send(s, v) -> res => b, default => c`:
//!
//! ```text
//! match &r { op => {                          // nested matches, one per case: every
//!   let mut case_0 = recv(probe(op));         // temporary in a scrutinee lives until
//!   match &s { op => {                        // its match, so the select, ends
//!     let mut case_1 = send(probe(op), v);
//!     {
//!       select(&[case_0.handle(), case_1.handle()], Wait::now(), biased);
//!       if let Some(out) = case_0.result() { let msg = out; a }
//!       else if let Some(out) = case_1.result() { let res = out; b }
//!       else { c }                            // default, or unreachable
//!     }
//! } } } }
//! ```
//!
//! `probe(op)` stands for the method call that sees through references and `Deref`
//! types to the handle (`private.rs`, "operands").
//!
//! Each step of the muncher is its own macro expansion, so the `case` binding it
//! introduces is hygienically distinct from every other step's, although all are
//! spelled `__gosync_case`; the final step refers to each through the identifier token
//! passed along.

/// Waits on several channel operations at once and runs the arm of the one that
/// completes: Go's `select` statement.
///
/// ```text
/// select! {
///     recv(r) -> msg => expr,          // msg: Result<T, RecvError>
///     send(s, value) -> res => expr,   // res: Result<(), SendError<T>>
///     default => expr,                 // nothing is ready now
///     default(timeout) => expr,        // nothing became ready within `timeout`
/// }
/// ```
///
/// - Any number of `recv` and `send` cases, and at most one `default`. An arm that is
///   a block needs no trailing comma.
/// - An operand is borrowed: it may be a [`Receiver`](crate::Receiver) /
///   [`Sender`](crate::Sender), a reference to one (at any depth: `&&rx`), a value of
///   a type that `Deref`s to one (`Arc<Receiver<T>>`, `Box<Sender<T>>`, a wrapper of
///   your own), or an `Option` of a handle, a reference, a `Box`, an `Arc` or an
///   `Rc` of one, where `None` is Go's nil channel: a case that is never ready.
///   Temporaries in operands, however deeply nested (`recv(chan::after(d))`,
///   `recv(r.unwrap_or(&chan::never()))`), live until the select ends.
/// - `default(t)` takes a `Duration` (how long to wait, counted from when the
///   `default` case is reached in source order) or an `Instant` (until when).
/// - crossbeam-channel's spellings are accepted too: `default() =>` for `default =>`,
///   and a trailing comma inside a case's parentheses (`recv(rx,)`, `send(tx, v,)`).
/// - Every operand and send value is evaluated exactly once, in source order, before
///   anything is selected. A send value whose case is not chosen is dropped when the
///   select ends.
/// - When several cases are ready, one is chosen uniformly at random (see
///   [`select_biased!`](crate::select_biased!) for source-order preference).
/// - A `recv` on a closed channel is ready (`Err(RecvError)`); a `send` on a closed
///   channel is ready (`Err(SendError(value))`, handing the value back).
/// - Without `default`, the select blocks until a case completes — forever if every
///   case is nil. When an arm runs, its operation has completed and no other case has
///   taken effect.
/// - The same channel may appear in several cases, on both sides; a select never
///   completes against itself.
/// - Arms run in the enclosing function: they may `break`, `continue`, `return`, and
///   use `?`, as the arms of a `match`.
///
/// The macro expands recursively, so the default recursion limit allows about sixty
/// cases (`#![recursion_limit = "256"]` in the calling crate allows more); the dynamic
/// [`Select`](crate::Select) has no limit.
///
/// # Examples
///
/// A receive with a timeout (Go: `case <-time.After(d)`):
///
/// ```
/// use gosync::{chan, select};
/// use std::time::Duration;
///
/// let (tx, rx) = chan::bounded::<&str>(1);
/// tx.send("ping").unwrap();
/// let got = select! {
///     recv(rx) -> msg => msg.unwrap(),
///     recv(chan::after(Duration::from_secs(1))) -> _ => "timeout",
/// };
/// assert_eq!(got, "ping");
/// ```
///
/// A send or a receive, whichever a peer is ready for, in a loop that switches a case
/// off by setting its operand to `None`, and `default(timeout)`:
///
/// ```
/// use gosync::{chan, select};
/// use std::time::Duration;
///
/// let (in_tx, in_rx) = chan::bounded::<u32>(4);
/// let (out_tx, out_rx) = chan::bounded::<u32>(4);
/// for i in 1..=3 {
///     in_tx.send(i).unwrap();
/// }
/// drop(in_tx);
/// let mut input = Some(in_rx);
/// let mut pending: Vec<u32> = Vec::new();
/// loop {
///     let outbox = pending.first().map(|_| &out_tx);
///     let next = pending.first().copied().unwrap_or(0);
///     select! {
///         recv(input) -> msg => match msg {
///             Ok(v) => pending.push(v * 10),
///             Err(_) => input = None, // closed: stop receiving
///         },
///         send(outbox, next) -> res => {
///             res.unwrap();
///             pending.remove(0);
///         }
///         default(Duration::from_millis(10)) => break,
///     }
/// }
/// drop(out_tx);
/// assert_eq!(out_rx.iter().collect::<Vec<_>>(), [10, 20, 30]);
/// ```
///
/// Arms may leave the enclosing loop or function:
///
/// ```
/// use gosync::{chan, select};
///
/// fn first_even(rx: &chan::Receiver<u32>, quit: &chan::Receiver<()>) -> Option<u32> {
///     loop {
///         select! {
///             recv(rx) -> v => {
///                 let v = v.ok()?; // closed: return None
///                 if v % 2 == 0 {
///                     return Some(v);
///                 }
///             }
///             recv(quit) -> _ => break,
///         }
///     }
///     None
/// }
///
/// let (tx, rx) = chan::unbounded();
/// let (_quit_tx, quit) = chan::bounded(0);
/// for v in [1, 3, 4, 5] {
///     tx.send(v).unwrap();
/// }
/// assert_eq!(first_even(&rx, &quit), Some(4));
/// drop(tx);
/// assert_eq!(first_even(&rx, &quit), None); // 5 is odd, then closed
/// ```
#[macro_export]
macro_rules! select {
    ($($cases:tt)*) => {
        $crate::__gosync_select!(@parse false [] [] $($cases)*)
    };
}

/// [`select!`](crate::select!) that prefers earlier cases: when several are ready, the
/// first in source order is chosen. Same syntax and rules otherwise.
///
/// Use it for priorities (a quit channel checked before work), knowing that a busy
/// early case can starve later ones.
///
/// ```
/// use gosync::{chan, select_biased};
///
/// let (hi_tx, hi) = chan::bounded(1);
/// let (lo_tx, lo) = chan::bounded(1);
/// hi_tx.send("high").unwrap();
/// lo_tx.send("low").unwrap();
/// let got = select_biased! {
///     recv(hi) -> m => m.unwrap(),
///     recv(lo) -> m => m.unwrap(),
/// };
/// assert_eq!(got, "high"); // both were ready: the first case wins
/// ```
#[macro_export]
macro_rules! select_biased {
    ($($cases:tt)*) => {
        $crate::__gosync_select!(@parse true [] [] $($cases)*)
    };
}

/// The muncher behind [`select!`](crate::select!) and
/// [`select_biased!`](crate::select_biased!). Not part of the API.
///
/// Malformed selects are rejected at compile time with a message naming the case:
///
/// ```compile_fail
/// // error: a `select!` may have at most one `default` case
/// gosync::select! { default => (), default => () }
/// ```
///
/// ```compile_fail
/// // error: expected `recv(receiver) -> pattern => arm` in `select!`
/// let (_tx, rx) = gosync::chan::bounded::<i32>(0);
/// gosync::select! { recv(rx) => () }
/// ```
///
/// ```compile_fail
/// // error: expected a `recv`, `send` or `default` case in `select!`, found `receive`
/// let (_tx, rx) = gosync::chan::bounded::<i32>(0);
/// gosync::select! { receive(rx) -> _ => () }
/// ```
///
/// ```compile_fail
/// // a send value must have the channel's type
/// let (tx, _rx) = gosync::chan::bounded::<i32>(1);
/// gosync::select! { send(tx, "one") -> _ => () }
/// ```
///
/// A wrong operand is named in the user's terms (`#[diagnostic::on_unimplemented]` on
/// the private operand traits):
///
/// ```compile_fail,E0277
/// // error: `Sender<i32>` is not a receiver, so it cannot be the operand of a `recv` case
/// let (tx, _rx) = gosync::chan::bounded::<i32>(1);
/// gosync::select! { recv(tx) -> _ => () }
/// ```
///
/// ```compile_fail,E0277
/// // error: `Receiver<i32>` is not a sender, so it cannot be the operand of a `send` case
/// let (_tx, rx) = gosync::chan::bounded::<i32>(1);
/// gosync::select! { send(rx, 1) -> _ => () }
/// ```
///
/// ```compile_fail,E0277
/// // error: `default(u64)`: a `select!` timeout is a `Duration` or an `Instant`
/// let (_tx, rx) = gosync::chan::bounded::<i32>(1);
/// gosync::select! { recv(rx) -> _ => (), default(5u64) => () }
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! __gosync_select {
    // ----- parse: normalize every case to one token tree, in source order -----
    //
    // state: @parse biased [cases...] [default]
    //   case: (recv (r) pat body) | (send (s) (v) pat body) | (timeout (t))
    //   default: [] | [now body] | [timeout body]

    (@parse $b:tt [$($c:tt)*] $d:tt) => {
        $crate::__gosync_select!(@start $b [$($c)*] $d)
    };

    (@parse $b:tt [$($c:tt)*] $d:tt
        recv($r:expr $(,)?) -> $res:pat => $body:block, $($rest:tt)*) => {
        $crate::__gosync_select!(@parse $b [$($c)* (recv ($r) $res $body)] $d $($rest)*)
    };
    (@parse $b:tt [$($c:tt)*] $d:tt
        recv($r:expr $(,)?) -> $res:pat => $body:block $($rest:tt)*) => {
        $crate::__gosync_select!(@parse $b [$($c)* (recv ($r) $res $body)] $d $($rest)*)
    };
    (@parse $b:tt [$($c:tt)*] $d:tt
        recv($r:expr $(,)?) -> $res:pat => $body:expr, $($rest:tt)*) => {
        $crate::__gosync_select!(@parse $b [$($c)* (recv ($r) $res $body)] $d $($rest)*)
    };
    (@parse $b:tt [$($c:tt)*] $d:tt
        recv($r:expr $(,)?) -> $res:pat => $body:expr) => {
        $crate::__gosync_select!(@parse $b [$($c)* (recv ($r) $res $body)] $d)
    };

    (@parse $b:tt [$($c:tt)*] $d:tt
        send($s:expr, $v:expr $(,)?) -> $res:pat => $body:block, $($rest:tt)*) => {
        $crate::__gosync_select!(@parse $b [$($c)* (send ($s) ($v) $res $body)] $d $($rest)*)
    };
    (@parse $b:tt [$($c:tt)*] $d:tt
        send($s:expr, $v:expr $(,)?) -> $res:pat => $body:block $($rest:tt)*) => {
        $crate::__gosync_select!(@parse $b [$($c)* (send ($s) ($v) $res $body)] $d $($rest)*)
    };
    (@parse $b:tt [$($c:tt)*] $d:tt
        send($s:expr, $v:expr $(,)?) -> $res:pat => $body:expr, $($rest:tt)*) => {
        $crate::__gosync_select!(@parse $b [$($c)* (send ($s) ($v) $res $body)] $d $($rest)*)
    };
    (@parse $b:tt [$($c:tt)*] $d:tt
        send($s:expr, $v:expr $(,)?) -> $res:pat => $body:expr) => {
        $crate::__gosync_select!(@parse $b [$($c)* (send ($s) ($v) $res $body)] $d)
    };

    (@parse $b:tt $c:tt [] default() => $body:block, $($rest:tt)*) => {
        $crate::__gosync_select!(@parse $b $c [now $body] $($rest)*)
    };
    (@parse $b:tt $c:tt [] default() => $body:block $($rest:tt)*) => {
        $crate::__gosync_select!(@parse $b $c [now $body] $($rest)*)
    };
    (@parse $b:tt $c:tt [] default() => $body:expr, $($rest:tt)*) => {
        $crate::__gosync_select!(@parse $b $c [now $body] $($rest)*)
    };
    (@parse $b:tt $c:tt [] default() => $body:expr) => {
        $crate::__gosync_select!(@parse $b $c [now $body])
    };
    (@parse $b:tt $c:tt [] default => $body:block, $($rest:tt)*) => {
        $crate::__gosync_select!(@parse $b $c [now $body] $($rest)*)
    };
    (@parse $b:tt $c:tt [] default => $body:block $($rest:tt)*) => {
        $crate::__gosync_select!(@parse $b $c [now $body] $($rest)*)
    };
    (@parse $b:tt $c:tt [] default => $body:expr, $($rest:tt)*) => {
        $crate::__gosync_select!(@parse $b $c [now $body] $($rest)*)
    };
    (@parse $b:tt $c:tt [] default => $body:expr) => {
        $crate::__gosync_select!(@parse $b $c [now $body])
    };
    (@parse $b:tt [$($c:tt)*] [] default($t:expr $(,)?) => $body:block, $($rest:tt)*) => {
        $crate::__gosync_select!(@parse $b [$($c)* (timeout ($t))] [timeout $body] $($rest)*)
    };
    (@parse $b:tt [$($c:tt)*] [] default($t:expr $(,)?) => $body:block $($rest:tt)*) => {
        $crate::__gosync_select!(@parse $b [$($c)* (timeout ($t))] [timeout $body] $($rest)*)
    };
    (@parse $b:tt [$($c:tt)*] [] default($t:expr $(,)?) => $body:expr, $($rest:tt)*) => {
        $crate::__gosync_select!(@parse $b [$($c)* (timeout ($t))] [timeout $body] $($rest)*)
    };
    (@parse $b:tt [$($c:tt)*] [] default($t:expr $(,)?) => $body:expr) => {
        $crate::__gosync_select!(@parse $b [$($c)* (timeout ($t))] [timeout $body])
    };

    // ----- parse errors -----
    (@parse $b:tt $c:tt [$($d:tt)+] default $($rest:tt)*) => {
        ::core::compile_error!("a `select!` may have at most one `default` case")
    };
    (@parse $b:tt $c:tt $d:tt default $($rest:tt)*) => {
        ::core::compile_error!(
            "expected `default => arm` or `default(timeout) => arm` in `select!`"
        )
    };
    (@parse $b:tt $c:tt $d:tt recv $($rest:tt)*) => {
        ::core::compile_error!("expected `recv(receiver) -> pattern => arm` in `select!`")
    };
    (@parse $b:tt $c:tt $d:tt send $($rest:tt)*) => {
        ::core::compile_error!("expected `send(sender, value) -> pattern => arm` in `select!`")
    };
    (@parse $b:tt $c:tt $d:tt $first:tt $($rest:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "expected a `recv`, `send` or `default` case in `select!`, found `",
            ::core::stringify!($first),
            "`"
        ))
    };

    // ----- start: how long to wait, from the default case -----
    (@start $b:tt $c:tt []) => {
        $crate::__gosync_select!(@emit $b $c [] ($crate::__private::Wait::forever()) [])
    };
    (@start $b:tt $c:tt [now $body:tt]) => {
        $crate::__gosync_select!(@emit $b $c [] ($crate::__private::Wait::now()) [$body])
    };
    (@start $b:tt $c:tt [timeout $body:tt]) => {
        // The wait is set where the `(timeout ..)` marker sits in source order.
        $crate::__gosync_select!(@emit $b $c [] () [$body])
    };

    // ----- emit: evaluate operands and values in source order -----
    // An operand is the scrutinee of a `match`: every temporary in it, however deeply
    // nested (`recv(r.unwrap_or(&never()))`), lives until the `match`, and so the
    // select, ends. The method call picks how to see the operand (private.rs).
    (@emit $b:tt [(recv ($r:expr) $res:tt $body:tt) $($c:tt)*] [$($done:tt)*] $w:tt $d:tt) => {
        match &$r {
            __gosync_op => {
                #[allow(unused_imports)]
                use $crate::__private::ViaDeref as _;
                let mut __gosync_case = $crate::__private::recv(
                    (&&$crate::__private::Probe(__gosync_op)).__gosync_recv_operand(),
                );
                $crate::__gosync_select!(@emit $b [$($c)*] [$($done)* (__gosync_case $res $body)] $w $d)
            }
        }
    };
    (@emit $b:tt [(send ($s:expr) ($v:expr) $res:tt $body:tt) $($c:tt)*] [$($done:tt)*] $w:tt $d:tt) => {
        match &$s {
            __gosync_op => {
                #[allow(unused_imports)]
                use $crate::__private::ViaDeref as _;
                let mut __gosync_case = $crate::__private::send(
                    (&&$crate::__private::Probe(__gosync_op)).__gosync_send_operand(),
                    $v,
                );
                $crate::__gosync_select!(@emit $b [$($c)*] [$($done)* (__gosync_case $res $body)] $w $d)
            }
        }
    };
    (@emit $b:tt [(timeout ($t:expr)) $($c:tt)*] $done:tt $w:tt $d:tt) => {{
        let __gosync_wait = $crate::__private::Wait::timeout($t);
        $crate::__gosync_select!(@emit $b [$($c)*] $done (__gosync_wait) $d)
    }};
    (@emit $b:tt [] [$(($case:ident $res:tt $body:tt))*] ($($w:tt)+) [$($d:tt)?]) => {{
        $crate::__private::select(&[$($case.handle()),*], $($w)+, $b);
        // Run the chosen arm, in the caller's function: one `if let` per case.
        $(
            if let ::core::option::Option::Some(__gosync_out) = $case.result() {
                let $res = __gosync_out;
                $body
            } else
        )* {
            $crate::__gosync_select!(@default $($d)?)
        }
    }};

    // ----- the default arm, or nothing (the engine always chose a case) -----
    (@default $body:tt) => {
        $body
    };
    (@default) => {
        $crate::__private::unreachable()
    };
}
