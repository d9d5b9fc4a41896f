// A JVM workload for the "signals untouched" promise: HotSpot uses SIGSEGV on
// purpose (implicit null checks in JIT-compiled code, safepoint polls), and
// creates threads of its own (GC, JIT compiler) besides ours.
//
// usage: java ThreadsAndNulls [THREADS=16] [ITERATIONS=200000]
// Each worker runs a hot loop that dereferences null every 7th iteration and
// catches the NullPointerException (once compiled, each one is a SIGSEGV the
// JVM's handler turns into the exception). Prints one deterministic line:
//   threads=T npes=N sum=S
import java.util.concurrent.atomic.AtomicLong;

public class ThreadsAndNulls {
    static final class Box { long value; Box(long v) { value = v; } }

    static long work(int seed, int iterations) {
        long sum = 0;
        Box box = new Box(seed);
        for (int i = 0; i < iterations; i++) {
            Box b = (i % 7 == 0) ? null : box;
            try {
                sum += b.value + i;   // implicit null check: SIGSEGV in compiled code
            } catch (NullPointerException e) {
                sum -= 1;
            }
        }
        return sum;
    }

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 200000;
        AtomicLong total = new AtomicLong();
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            final int seed = t;
            workers[t] = new Thread(() -> total.addAndGet(work(seed, iterations)), "worker-" + t);
            workers[t].start();
        }
        for (Thread w : workers) w.join();
        long npes = (long) threads * ((iterations + 6) / 7);
        System.out.println("threads=" + threads + " npes=" + npes + " sum=" + total.get());
    }
}
