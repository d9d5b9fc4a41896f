// Pool: JVM threads for the stack tests: a worker waiting on a monitor, a sleeper, a busy JIT-compiled loop.
// Prints "pool-java: ready PID" once they run. Their native stacks go from libjvm into
// interpreted or JIT-compiled code, which has no unwind tables: unwinding must end there, with a label.
public class Pool {
    static final Object lock = new Object();
    static volatile long sink;

    static void waitForJob() throws InterruptedException {
        synchronized (lock) {
            lock.wait();
        }
    }

    static long spin(long n) {
        long acc = 0;
        for (long i = 0; i < n; i++) acc += i ^ (acc >>> 3);
        return acc;
    }

    public static void main(String[] args) throws Exception {
        Thread worker = new Thread(() -> {
            try { for (;;) waitForJob(); } catch (InterruptedException e) { }
        }, "worker");
        Thread sleeper = new Thread(() -> {
            try { for (;;) Thread.sleep(3_600_000); } catch (InterruptedException e) { }
        }, "sleeper");
        Thread busy = new Thread(() -> { for (;;) sink += spin(1_000_000); }, "busy");
        for (Thread t : new Thread[] {worker, sleeper, busy}) { t.setDaemon(true); t.start(); }
        Thread.sleep(300);
        System.out.println("pool-java: ready " + ProcessHandle.current().pid());
        System.out.flush();
        for (;;) Thread.sleep(3_600_000);
    }
}
