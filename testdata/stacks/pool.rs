// pool-rust: Rust threads that block in known call chains, for the stack tests.
//
// usage: pool-rust
//
//   worker_loop -> wait_for_job -> std::sync::Condvar::wait -> ... futex
//   reader_loop -> read_pipe -> <UnixStream as Read>::read -> ... read/recv
//   sleeper_loop -> nap -> std::thread::sleep -> nanosleep
// then main blocks in thread::park, after printing "pool-rust: ready PID".
// Built twice: legacy symbol mangling, and v0 (-C symbol-mangling-version=v0).
use std::io::Read;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

static SINK: AtomicU64 = AtomicU64::new(0);
static ARRIVED: AtomicUsize = AtomicUsize::new(0);

mod pool {
    use super::*;

    pub struct Jobs {
        pub count: Mutex<u64>,
        pub ready: Condvar,
    }

    #[inline(never)]
    pub fn wait_for_job(jobs: &Jobs) -> u64 {
        let mut count = jobs.count.lock().unwrap();
        while *count == 0 {
            count = jobs.ready.wait(count).unwrap(); // LINE:wait
        }
        *count -= 1;
        *count
    }

    #[inline(never)]
    pub fn worker_loop(jobs: Arc<Jobs>) {
        ARRIVED.fetch_add(1, Ordering::SeqCst);
        loop {
            let job = wait_for_job(&jobs); // LINE:wait_for_job
            SINK.fetch_add(job, Ordering::Relaxed);
        }
    }

    #[inline(never)]
    pub fn read_pipe(stream: &mut UnixStream) -> usize {
        let mut byte = [0u8; 1];
        let n = stream.read(&mut byte).unwrap_or(0); // LINE:read
        SINK.fetch_add(n as u64, Ordering::Relaxed);
        n
    }

    #[inline(never)]
    pub fn reader_loop(mut stream: UnixStream) {
        ARRIVED.fetch_add(1, Ordering::SeqCst);
        loop {
            let n = read_pipe(&mut stream); // LINE:read_pipe
            SINK.fetch_add(n as u64, Ordering::Relaxed);
        }
    }

    #[inline(never)]
    pub fn nap(hours: u64) {
        thread::sleep(Duration::from_secs(3600 * hours)); // LINE:sleep
        SINK.fetch_add(1, Ordering::Relaxed);
    }

    #[inline(never)]
    pub fn sleeper_loop() {
        ARRIVED.fetch_add(1, Ordering::SeqCst);
        loop {
            nap(1); // LINE:nap
        }
    }
}

fn main() {
    let jobs = Arc::new(pool::Jobs { count: Mutex::new(0), ready: Condvar::new() });
    let (ours, theirs) = UnixStream::pair().unwrap();
    let mut handles = Vec::new();
    for _ in 0..2 {
        let jobs = Arc::clone(&jobs);
        handles.push(thread::spawn(move || pool::worker_loop(jobs)));
    }
    handles.push(thread::spawn(move || pool::reader_loop(theirs)));
    handles.push(thread::spawn(pool::sleeper_loop));
    while ARRIVED.load(Ordering::SeqCst) < 4 {
        thread::sleep(Duration::from_millis(1));
    }
    println!("pool-rust: ready {}", std::process::id());
    let _keep = ours;
    loop {
        thread::park();
    }
}
