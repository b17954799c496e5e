// Linux calls the bench's load generators use that Swift's Glibc module does not export:
// epoll and timerfd (bench/ChorusBench/LoopbackSockets.swift).
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <netinet/tcp.h>
