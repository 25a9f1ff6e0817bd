/*
 * System X: the legacy web server nobody dares to touch.
 *
 * A tiny HTTP/1.0 server for the Chaos Lab "Syscall chaos" lab. It answers every request on
 * its port with the same small HTML page, and it does so the way old code often does:
 *
 *   - the response header goes out in one write(2), and whatever that write returns is ignored;
 *   - the page goes out three bytes per write(2), through put(), which tries a failed write once
 *     more and then moves on; a short write (fewer bytes than asked) is never noticed;
 *   - after the page it calls fsync(2) on the socket, which always fails (EINVAL), unnoticed;
 *   - only a failing close(2) is taken seriously: the whole server exits with status 1.
 *
 * So a client may get a response with no header, or with holes in the page, and System X will
 * not say a word about it. That is the point of the lab: find out from outside, with strace and
 * seccomp, without reading this file first.
 *
 * Usage: systemx [-a ADDRESS] [-p PORT]      (default 127.0.0.1:8070)
 * Build: gcc -O2 -Wall -Wextra -o systemx systemx.c      (add -static for the container image)
 */
#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PIECE 3           /* bytes of the page per write(2) */
#define REQUEST_MAX 4096  /* the request is read, then ignored */

/* 189 bytes: 63 pieces of 3, so one response is 1 + 63 writes. */
static const char PAGE[] =
    "<!DOCTYPE html>\n"
    "<html><head><title>System X</title></head>\n"
    "<body><h1>System X</h1>\n"
    "<p>In production since 1998. It works. Nobody knows why.</p>\n"
    "<p>Please do not touch it</p>\n"
    "</body></html>\n";

static pid_t my_pid;

/* Legacy helper (ticket SX-1142, "flaky network"): if a write fails, try once more, then go on. */
static ssize_t put(int fd, const char *data, size_t len)
{
    ssize_t sent = write(fd, data, len);
    if (sent < 0)
        sent = write(fd, data, len);
    return sent; /* a short write is a success too, as far as anyone here knows */
}

/* Reads until the blank line that ends the header, the buffer is full, or the client stops. */
static void read_request(int fd)
{
    char buf[REQUEST_MAX + 1];
    size_t have = 0;

    while (have < REQUEST_MAX) {
        ssize_t got = read(fd, buf + have, REQUEST_MAX - have);
        if (got <= 0)
            return;
        have += (size_t)got;
        buf[have] = '\0';
        if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
            return;
    }
}

static void serve(int fd)
{
    char header[256];
    size_t body_len = sizeof PAGE - 1;
    int header_len;

    read_request(fd);

    header_len = snprintf(header, sizeof header,
                          "HTTP/1.0 200 OK\r\n"
                          "Content-Type: text/html; charset=utf-8\r\n"
                          "Server: System X/1.0 (pid %d)\r\n"
                          "Connection: close\r\n"
                          "Content-Length: %zu\r\n"
                          "\r\n",
                          (int)my_pid, body_len);
    if (write(fd, header, (size_t)header_len) < 0) {
        /* It has never failed in production. */
    }

    for (size_t off = 0; off < body_len; off += PIECE) {
        size_t len = body_len - off < PIECE ? body_len - off : PIECE;
        if (put(fd, PAGE + off, len) < 0 && errno == EPIPE)
            break; /* the client hung up */
    }

    fsync(fd); /* "make sure it is on the wire" */

    if (close(fd) < 0)
        err(1, "closing the connection");
}

int main(int argc, char **argv)
{
    const char *address = "127.0.0.1";
    int port = 8070;
    int opt, one = 1, listener;
    struct sockaddr_in sin;

    while ((opt = getopt(argc, argv, "a:p:")) != -1) {
        switch (opt) {
        case 'a':
            address = optarg;
            break;
        case 'p':
            port = atoi(optarg);
            break;
        default:
            fprintf(stderr, "usage: %s [-a ADDRESS] [-p PORT]\n", argv[0]);
            return 2;
        }
    }
    if (port < 1 || port > 65535)
        errx(2, "not a port: %d", port);

    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((unsigned short)port);
    if (inet_pton(AF_INET, address, &sin.sin_addr) != 1)
        errx(2, "not an IPv4 address: %s", address);

    /* A client that hangs up early must not kill the server: write gets EPIPE instead. */
    signal(SIGPIPE, SIG_IGN);

    listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener < 0)
        err(1, "socket");
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(listener, (struct sockaddr *)&sin, sizeof sin) < 0)
        err(1, "cannot listen on %s:%d", address, port);
    if (listen(listener, 128) < 0)
        err(1, "listen");

    my_pid = getpid(); /* "cannot fail", says the manual */
    printf("System X listening on %s:%d, pid %d\n", address, port, (int)my_pid);
    fflush(stdout);

    for (;;) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            err(1, "accept");
        }
        serve(fd);
    }
}
