// pool-go: goroutines and their threads, for the stack tests.
//
// usage: pool-go
//
// One goroutine, locked to its thread, blocks in read(2) on a pipe:
//   main.readerLoop -> main.readPipe -> syscall.Read -> ... -> runtime/internal/syscall.Syscall6
// Others sleep (parked goroutines: their threads sit in the runtime's scheduler, in futex).
// Prints "pool-go: ready PID" once the reader is on its way.
package main

import (
	"fmt"
	"os"
	"runtime"
	"syscall"
	"time"
)

var sink int

//go:noinline
func readPipe(fd int, buf []byte) int {
	n, _ := syscall.Read(fd, buf) // LINE:read
	sink += n
	return n
}

//go:noinline
func readerLoop(fd int, started chan<- bool) {
	runtime.LockOSThread()
	buf := make([]byte, 1)
	started <- true
	for {
		sink += readPipe(fd, buf) // LINE:readPipe
	}
}

//go:noinline
func sleeperLoop() {
	for {
		time.Sleep(time.Hour)
	}
}

func main() {
	r, w, err := os.Pipe()
	if err != nil {
		panic(err)
	}
	defer w.Close()
	started := make(chan bool)
	go readerLoop(int(r.Fd()), started)
	<-started
	for i := 0; i < 3; i++ {
		go sleeperLoop()
	}
	fmt.Printf("pool-go: ready %d\n", os.Getpid())
	select {}
}
