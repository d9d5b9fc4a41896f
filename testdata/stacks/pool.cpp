// pool-cxx: C++ threads that block in known call chains, for the stack tests.
//
// usage: pool-cxx
//
// Namespaces, a class template, lambdas and an always-inline function:
//   std::thread -> main::{lambda()#1} -> pool::worker_loop -> pool::take (inline)
//     -> pool::Queue<long>::pop -> std::condition_variable::wait
//   std::thread -> main::{lambda()#2} -> pool::io::read_pipe -> read
//   std::thread -> main::{lambda()#3} -> pool::Sleeper::nap -> std::this_thread::sleep_for -> nanosleep
// then main blocks in pause and prints "pool-cxx: ready PID" once every thread is on its way.
// The line numbers of the calls are checked by the tests: grep for "LINE:".
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>
#include <unistd.h>

#define CHAIN __attribute__((noinline, noclone))

volatile long sink;
static std::atomic<int> arrived{0};

namespace pool {

template <typename T>
class Queue {
public:
    CHAIN T pop()
    {
        std::unique_lock<std::mutex> lock(mutex_);
        ready_.wait(lock, [this] { return !items_.empty(); }); // LINE:cv_wait
        T item = items_.front();
        items_.pop_front();
        return item;
    }

private:
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<T> items_;
};

inline __attribute__((always_inline)) long take(Queue<long> &queue)
{
    return queue.pop() * 2; // LINE:pop
}

CHAIN void worker_loop(Queue<long> &queue)
{
    arrived++;
    for (;;)
        sink += take(queue); // LINE:take
}

namespace io {
CHAIN long read_pipe(int fd)
{
    char byte;
    long n = read(fd, &byte, 1); // LINE:read
    sink += n;
    return n;
}
} // namespace io

struct Sleeper {
    CHAIN void nap()
    {
        std::this_thread::sleep_for(std::chrono::hours(1)); // LINE:sleep_for
        sink++;
    }
};

} // namespace pool

int main()
{
    static pool::Queue<long> queue;
    int fds[2];
    if (pipe(fds) != 0)
        return 1;
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; i++)
        threads.emplace_back([] { pool::worker_loop(queue); }); // LINE:lambda_worker
    threads.emplace_back([fd = fds[0]] {
        arrived++;
        for (;;)
            sink += pool::io::read_pipe(fd); // LINE:lambda_reader
    });
    threads.emplace_back([] {
        pool::Sleeper sleeper;
        arrived++;
        for (;;)
            sleeper.nap(); // LINE:lambda_sleeper
    });
    while (arrived.load() < 4)
        usleep(1000);
    std::printf("pool-cxx: ready %d\n", (int)getpid());
    std::fflush(stdout);
    for (;;)
        pause();
}
