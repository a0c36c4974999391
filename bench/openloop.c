/*
 * openloop — an open-loop HTTP/1.1 load generator in C (Linux epoll, libc only), the
 * native twin of bench/open_loop.py for rates a Python client cannot offer without eating the
 * core the server needs.
 *
 *     gcc -O2 -Wall -Wextra -o openloop bench/openloop.c
 *     openloop HOST PORT RATE SECONDS MAXCONN FIRST_ID TEMPLATE_FILE
 *
 * Schedule. floor(RATE * SECONDS) requests; request i is due at start + i / RATE (CLOCK_MONOTONIC,
 * ns). When due it goes out on an idle keep-alive connection (the most recently used one first);
 * if none is idle a new connection is opened (non-blocking connect, TCP_NODELAY) and the request
 * leaves as soon as it is connected, up to MAXCONN connections; when MAXCONN connections are all
 * busy, due requests wait in FIFO order for the next connection to become idle. Every latency is
 * counted from the request's scheduled time to the moment its complete response has been read,
 * so time spent queueing behind a slow server is charged to it (no coordinated omission). The
 * loop sleeps in epoll_pwait2 until the next scheduled time (ns timeout, timer slack set to 1 ns);
 * where the kernel lacks epoll_pwait2 (before Linux 5.11) a timerfd wakes epoll_wait instead, as it
 * does when built with -DOPENLOOP_TIMERFD.
 *
 * Template file format (bytes, read as is):
 *
 *     HEAD "\r\n\r\n" BODY
 *
 *   HEAD is the request line and header lines, separated by "\r\n", WITHOUT the blank line that
 *   ends them and WITHOUT Content-Length (a Content-Length line found in HEAD is dropped); BODY is
 *   everything after the first "\r\n\r\n" up to the end of the file (no newline is added; it may be
 *   empty). Every occurrence of the 4 bytes "{id}", in HEAD or BODY, is replaced by the decimal
 *   FIRST_ID + i for request i; other bytes, braces included, are sent unchanged. Request i is
 *
 *     HEAD' "\r\nContent-Length: " len(BODY') "\r\n\r\n" BODY'
 *
 *   where ' marks the substitution. Example (C string notation):
 *
 *     "POST /api/v1/Agents/Appointment/Accept HTTP/1.1\r\nHost: 127.0.0.1\r\n"
 *     "Content-Type: application/json\r\n\r\n{\"AppointmentId\": {id}, \"UpdateMode\": \"OnlyThis\"}"
 *
 * Responses: HTTP/1.1 heads up to "\r\n\r\n", the status code and Content-Length (header names in
 * any case; absent = 0), then exactly that many body bytes. Transfer-Encoding (chunked) is not
 * supported and counts as an error; "Connection: close" closes the connection after the response.
 * Not for HEAD requests (their responses announce a body that never comes). A refused connect,
 * a connection error, an EOF or a malformed response counts as an error for the request in
 * flight and closes that connection (a later request may open a new one); an idle connection the
 * server closes is dropped without an error.
 *
 * Output, on stdout, when every request has been answered or has failed, or SECONDS + 30 s after
 * the start (requests still in flight then count as errors, requests not yet sent are not counted):
 *
 *     requests N         requests sent
 *     completed N        complete responses read, whatever their status
 *     errors N           requests without a response (completed + errors = requests)
 *     seconds F          from the start to the last completion or error
 *     status CODE COUNT  one line per status code seen, in increasing order
 *     cpu F              this process's user + system CPU seconds (getrusage) before printing
 *     latency_us         then one line per completed request, its latency in whole microseconds,
 *                        in completion order
 *
 * Exit status 0 after a run (whatever the errors), 2 with a message on stderr for bad usage, an
 * unreadable or malformed template, or a host that does not resolve; 1 for a system failure.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define IN_CAP 16384       /* a response head must fit in this */
#define MAX_EVENTS 256
#define GRACE_NS (30LL * 1000000000LL)

enum state { FREE, CONNECTING, BUSY, IDLE };

struct conn {
    int fd, slot;
    enum state state;
    uint32_t events;         /* the epoll interest currently registered */
    int64_t sched;           /* scheduled time of the request in flight */
    char *out;               /* the request in flight */
    size_t out_len, out_off;
    size_t in_len, scanned;  /* bytes in `in`; how far the head search has looked */
    int in_body;             /* head read, counting down body_left */
    long long body_left;
    int status, close_after;
    char in[IN_CAP];
};

/* One part (head or body) of the template: npieces literal pieces with "{id}" between each two. */
struct part {
    size_t npieces;
    const char **piece;
    size_t *len;
    size_t literal_len;
};

static struct part head_t, body_t;
static size_t out_cap;

static int ep, tfd;
static struct addrinfo *addr;
static struct conn **conns;     /* MAXCONN slots, allocated on first use */
static int maxconn, nopen;
static struct conn **idle;      /* a stack: the most recently idle on top */
static int nidle;
static int *free_slots;
static int nfree;

static double rate;
static long long first_id;
static int64_t total, next_req, done, completed, errors;
static int64_t start, last_done;
static int64_t *latencies;
static int64_t status_count[1000];
static int timer_marker;        /* its address tags the timerfd's epoll events (the fallback) */

static void die(int code, const char *what) {
    fprintf(stderr, "openloop: %s: %s\n", what, strerror(errno));
    exit(code);
}

static void usage(const char *msg) {
    fprintf(stderr, "openloop: %s\nusage: openloop HOST PORT RATE SECONDS MAXCONN FIRST_ID TEMPLATE_FILE\n", msg);
    exit(2);
}

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "openloop: out of memory\n");
        exit(1);
    }
    return p;
}

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t sched_of(int64_t i) {
    return start + (int64_t)((double)i * 1e9 / rate);
}

/* ---- the template ------------------------------------------------------------------------ */

static void split_part(struct part *p, const char *s, size_t n) {
    size_t count = 1;
    for (size_t i = 0; i + 4 <= n; i++)
        if (memcmp(s + i, "{id}", 4) == 0) {
            count++;
            i += 3;
        }
    p->npieces = count;
    p->piece = xmalloc(count * sizeof *p->piece);
    p->len = xmalloc(count * sizeof *p->len);
    p->literal_len = 0;
    size_t k = 0, from = 0;
    for (size_t i = 0; i + 4 <= n; i++)
        if (memcmp(s + i, "{id}", 4) == 0) {
            p->piece[k] = s + from;
            p->len[k++] = i - from;
            p->literal_len += i - from;
            from = i + 4;
            i += 3;
        }
    p->piece[k] = s + from;
    p->len[k] = n - from;
    p->literal_len += n - from;
}

static char *emit(const struct part *p, const char *id, size_t idlen, char *out) {
    for (size_t k = 0; k < p->npieces; k++) {
        memcpy(out, p->piece[k], p->len[k]);
        out += p->len[k];
        if (k + 1 < p->npieces) {
            memcpy(out, id, idlen);
            out += idlen;
        }
    }
    return out;
}

static int is_content_length(const char *line, size_t n) {
    static const char name[] = "content-length";
    size_t m = sizeof name - 1;
    if (n < m || strncasecmp(line, name, m) != 0)
        return 0;
    while (m < n && (line[m] == ' ' || line[m] == '\t'))
        m++;
    return m < n && line[m] == ':';
}

static void load_template(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "openloop: cannot read template %s: %s\n", path, strerror(errno));
        exit(2);
    }
    size_t cap = 4096, n = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            if (!buf) {
                fprintf(stderr, "openloop: out of memory\n");
                exit(1);
            }
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        fprintf(stderr, "openloop: cannot read template %s\n", path);
        exit(2);
    }
    fclose(f);
    char *sep = memmem(buf, n, "\r\n\r\n", 4);
    if (!sep || sep == buf) {
        fprintf(stderr, "openloop: template %s: no request line and headers ended by \\r\\n\\r\\n\n", path);
        exit(2);
    }
    /* The head, without its Content-Length lines. */
    size_t head_n = (size_t)(sep - buf);
    char *head = xmalloc(head_n);
    size_t h = 0;
    for (size_t from = 0; from < head_n;) {
        char *eol = memmem(buf + from, head_n - from, "\r\n", 2);
        size_t end = eol ? (size_t)(eol - buf) : head_n;
        if (from == 0 || !is_content_length(buf + from, end - from)) {
            if (h) {
                memcpy(head + h, "\r\n", 2);
                h += 2;
            }
            memcpy(head + h, buf + from, end - from);
            h += end - from;
        }
        from = end + 2;
    }
    split_part(&head_t, head, h);
    split_part(&body_t, sep + 4, n - head_n - 4);
    out_cap = head_t.literal_len + body_t.literal_len + 24 * (head_t.npieces + body_t.npieces) + 64;
}

static size_t render(int64_t i, char *out) {
    char id[24];
    int idlen = snprintf(id, sizeof id, "%lld", first_id + (long long)i);
    char *p = emit(&head_t, id, (size_t)idlen, out);
    size_t body_len = body_t.literal_len + (body_t.npieces - 1) * (size_t)idlen;
    p += sprintf(p, "\r\nContent-Length: %zu\r\n\r\n", body_len);
    p = emit(&body_t, id, (size_t)idlen, p);
    return (size_t)(p - out);
}

/* ---- connections --------------------------------------------------------------------------- */

static void set_events(struct conn *c, uint32_t events) {
    if (c->events == events)
        return;
    struct epoll_event ev = {.events = events, .data.ptr = c};
    if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) < 0)
        die(1, "epoll_ctl");
    c->events = events;
}

static void close_conn(struct conn *c) {
    if (c->state == IDLE)
        for (int k = 0; k < nidle; k++)
            if (idle[k] == c) {
                memmove(idle + k, idle + k + 1, (size_t)(nidle - k - 1) * sizeof *idle);
                nidle--;
                break;
            }
    close(c->fd);
    c->fd = -1;
    c->state = FREE;
    free_slots[nfree++] = c->slot;
    nopen--;
}

static void finish_error(struct conn *c, int64_t now) {
    errors++;
    done++;
    last_done = now;
    close_conn(c);
}

static void finish_ok(struct conn *c, int64_t now) {
    latencies[completed++] = (now - c->sched) / 1000;
    status_count[c->status]++;
    done++;
    last_done = now;
    if (c->close_after || c->out_off < c->out_len) {
        close_conn(c);
        return;
    }
    c->state = IDLE;
    idle[nidle++] = c;
}

static void try_send(struct conn *c, int64_t now) {
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                set_events(c, EPOLLIN | EPOLLOUT);
                return;
            }
            finish_error(c, now);
            return;
        }
        c->out_off += (size_t)n;
    }
    set_events(c, EPOLLIN);
}

/* The status and Content-Length of the head in c->in[0 .. head_len); -1 if it is not one we read. */
static int parse_head(struct conn *c, size_t head_len) {
    const char *s = c->in, *end = c->in + head_len;
    if (head_len < 12 || memcmp(s, "HTTP/", 5) != 0)
        return -1;
    const char *sp = memchr(s, ' ', (size_t)(end - s));
    if (!sp || end - sp < 4 || sp[1] < '1' || sp[1] > '9' || sp[2] < '0' || sp[2] > '9' || sp[3] < '0' ||
        sp[3] > '9')
        return -1;
    c->status = (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
    c->body_left = 0;
    c->close_after = 0;
    const char *line = memchr(s, '\n', (size_t)(end - s));
    while (line && ++line < end) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        if (!eol)
            eol = end;
        const char *colon = memchr(line, ':', (size_t)(eol - line));
        if (colon) {
            size_t name_len = (size_t)(colon - line);
            while (name_len && (line[name_len - 1] == ' ' || line[name_len - 1] == '\t'))
                name_len--;
            const char *v = colon + 1;
            while (v < eol && (*v == ' ' || *v == '\t'))
                v++;
            if (name_len == 14 && strncasecmp(line, "content-length", 14) == 0) {
                char *stop;
                errno = 0;
                long long cl = strtoll(v, &stop, 10);
                if (errno || stop == v || cl < 0)
                    return -1;
                c->body_left = cl;
            } else if (name_len == 17 && strncasecmp(line, "transfer-encoding", 17) == 0) {
                return -1;
            } else if (name_len == 10 && strncasecmp(line, "connection", 10) == 0) {
                for (const char *t = v; t + 5 <= eol; t++)
                    if (strncasecmp(t, "close", 5) == 0)
                        c->close_after = 1;
            }
        }
        line = eol;
    }
    return 0;
}

static void on_readable(struct conn *c, int64_t now) {
    ssize_t n;
    do
        n = read(c->fd, c->in + c->in_len, IN_CAP - c->in_len);
    while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (c->state == IDLE) { /* the server closed it (or spoke out of turn): drop it quietly */
        if (n != 0)
            fprintf(stderr, "openloop: %s on an idle connection, closing it\n", n < 0 ? "error" : "data");
        close_conn(c);
        return;
    }
    if (n <= 0) {
        finish_error(c, now);
        return;
    }
    if (c->in_body) {
        if (n > c->body_left) {
            finish_error(c, now);
            return;
        }
        c->body_left -= n;
    } else {
        c->in_len += (size_t)n;
        size_t from = c->scanned > 3 ? c->scanned - 3 : 0;
        char *sep = memmem(c->in + from, c->in_len - from, "\r\n\r\n", 4);
        if (!sep) {
            c->scanned = c->in_len;
            if (c->in_len == IN_CAP) /* a head larger than we read */
                finish_error(c, now);
            return;
        }
        size_t head_len = (size_t)(sep - c->in) + 4;
        if (parse_head(c, head_len) < 0) {
            finish_error(c, now);
            return;
        }
        long long extra = (long long)(c->in_len - head_len);
        if (extra > c->body_left) { /* more than one response: not ours */
            finish_error(c, now);
            return;
        }
        c->body_left -= extra;
        c->in_body = 1;
        c->in_len = 0;
    }
    if (c->body_left == 0)
        finish_ok(c, now);
}

static void on_event(struct conn *c, uint32_t events, int64_t now) {
    if (c->state == CONNECTING) {
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err || (events & (EPOLLERR | EPOLLHUP))) {
            finish_error(c, now);
            return;
        }
        c->state = BUSY;
        try_send(c, now);
        return;
    }
    if (c->state == BUSY && (events & EPOLLOUT) && c->out_off < c->out_len) {
        try_send(c, now);
        if (c->state != BUSY)
            return;
    }
    if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
        on_readable(c, now);
}

/* A new connection in slot order, connecting; NULL (errno set) if it could not even start. */
static struct conn *open_conn(void) {
    int fd = socket(addr->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, addr->ai_protocol);
    if (fd < 0)
        return NULL;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int connected = connect(fd, addr->ai_addr, addr->ai_addrlen) == 0;
    if (!connected && errno != EINPROGRESS) {
        int saved = errno;
        close(fd);
        errno = saved;
        return NULL;
    }
    int slot = free_slots[--nfree];
    if (!conns[slot]) {
        conns[slot] = xmalloc(sizeof **conns);
        conns[slot]->out = xmalloc(out_cap);
        conns[slot]->slot = slot;
    }
    struct conn *c = conns[slot];
    c->fd = fd;
    c->state = connected ? BUSY : CONNECTING;
    c->events = EPOLLIN | EPOLLOUT;
    struct epoll_event ev = {.events = c->events, .data.ptr = c};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
        die(1, "epoll_ctl");
    nopen++;
    return c;
}

static void assign(struct conn *c, int64_t i, int64_t sched, int64_t now) {
    c->sched = sched;
    c->out_len = render(i, c->out);
    c->out_off = 0;
    c->in_len = 0;
    c->scanned = 0;
    c->in_body = 0;
    if (c->state == IDLE)
        c->state = BUSY;
    if (c->state == BUSY)
        try_send(c, now);
}

/* Send every due request that has a connection to go out on; the rest wait, in order. */
static void dispatch(int64_t now) {
    while (next_req < total) {
        int64_t s = sched_of(next_req);
        if (s > now)
            return;
        struct conn *c;
        if (nidle > 0) {
            c = idle[--nidle];
        } else if (nopen < maxconn) {
            c = open_conn();
            if (!c) { /* not even a connection attempt: this request fails */
                next_req++;
                errors++;
                done++;
                last_done = now;
                continue;
            }
        } else {
            return;
        }
        assign(c, next_req++, s, now);
    }
}

/* Wait for events until `at` at the latest (CLOCK_MONOTONIC ns). epoll_pwait2 (Linux 5.11) takes a
 * timeout in ns: one system call per wait. Where it is missing, a timerfd armed at `at` wakes
 * epoll_wait instead (two more calls, timerfd_settime and reading the expiry, per scheduled send). */
#ifdef OPENLOOP_TIMERFD /* -DOPENLOOP_TIMERFD: the fallback even where epoll_pwait2 exists */
static int use_pwait2 = 0;
#else
static int use_pwait2 = 1;
#endif
static int64_t armed = -1;

static void arm_timer(int64_t at) {
    if (tfd < 0) {
        tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        if (tfd < 0)
            die(1, "timerfd_create");
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &timer_marker};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev) < 0)
            die(1, "epoll_ctl");
    }
    struct itimerspec its = {.it_value = {.tv_sec = at / 1000000000LL, .tv_nsec = at % 1000000000LL}};
    if (timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
        die(1, "timerfd_settime");
    armed = at;
}

static int wait_events(struct epoll_event *events, int64_t at, int64_t now) {
#ifdef SYS_epoll_pwait2
    if (use_pwait2) {
        int64_t wait = at > now ? at - now : 0;
        struct { long long tv_sec, tv_nsec; } timeout = {wait / 1000000000LL, wait % 1000000000LL};
        int n = (int)syscall(SYS_epoll_pwait2, ep, events, MAX_EVENTS, &timeout, NULL, 0);
        if (n >= 0 || errno != ENOSYS)
            return n;
        use_pwait2 = 0;
    }
#endif
    if (at != armed)
        arm_timer(at);
    return epoll_wait(ep, events, MAX_EVENTS, -1);
}

/* ---- main ------------------------------------------------------------------------------------ */

static double parse_double(const char *s, const char *what, double most) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v > 0) || v > most) {
        fprintf(stderr, "openloop: %s must be a positive number up to %g, not %s\n", what, most, s);
        usage("bad arguments");
    }
    return v;
}

int main(int argc, char **argv) {
    if (argc != 8)
        usage("wrong number of arguments");
    const char *host = argv[1], *port = argv[2];
    rate = parse_double(argv[3], "RATE", 1e9);
    double seconds = parse_double(argv[4], "SECONDS", 1e6);
    char *end;
    errno = 0;
    long mc = strtol(argv[5], &end, 10);
    if (errno || end == argv[5] || *end || mc < 1 || mc > 1000000)
        usage("MAXCONN must be an integer from 1 to 1000000");
    maxconn = (int)mc;
    errno = 0;
    first_id = strtoll(argv[6], &end, 10);
    if (errno || end == argv[6] || *end)
        usage("FIRST_ID must be an integer");
    double requested = rate * seconds;
    if (requested > 1e9)
        usage("RATE * SECONDS is more than a billion requests");
    total = (int64_t)requested; /* floor: both are positive */
    load_template(argv[7]);

    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    int gai = getaddrinfo(host, port, &hints, &addr);
    if (gai) {
        fprintf(stderr, "openloop: cannot resolve %s port %s: %s\n", host, port, gai_strerror(gai));
        exit(2);
    }
    signal(SIGPIPE, SIG_IGN);

    latencies = xmalloc((size_t)(total ? total : 1) * sizeof *latencies);
    conns = xmalloc((size_t)maxconn * sizeof *conns);
    idle = xmalloc((size_t)maxconn * sizeof *idle);
    free_slots = xmalloc((size_t)maxconn * sizeof *free_slots);
    for (int k = 0; k < maxconn; k++) {
        conns[k] = NULL;
        free_slots[k] = maxconn - 1 - k; /* slot 0 first */
    }
    nfree = maxconn;
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        die(1, "epoll_create1");
    tfd = -1;
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL); /* wake on time, not up to 50 µs late */

    static char outbuf[1 << 20];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);

    struct epoll_event events[MAX_EVENTS];
    start = now_ns();
    int64_t deadline = start + (int64_t)(seconds * 1e9) + GRACE_NS, now;
    for (;;) {
        now = now_ns();
        dispatch(now);
        if (done >= total || now >= deadline)
            break;
        int64_t wake = deadline;
        if (next_req < total && sched_of(next_req) > now && sched_of(next_req) < deadline)
            wake = sched_of(next_req); /* else the next request waits for a connection, or for nothing */
        int n = wait_events(events, wake, now);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die(1, "epoll_wait");
        }
        for (int k = 0; k < n; k++) {
            if (events[k].data.ptr == &timer_marker) {
                uint64_t expirations;
                if (read(tfd, &expirations, sizeof expirations) < 0 && errno != EAGAIN)
                    die(1, "read timerfd");
                armed = -1;
                continue;
            }
            on_event(events[k].data.ptr, events[k].events, now_ns());
        }
    }
    int64_t sent = next_req;
    if (done < sent) { /* the deadline passed with requests in flight */
        errors += sent - done;
        last_done = now;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
                 (double)ru.ru_stime.tv_usec / 1e6;

    printf("requests %lld\ncompleted %lld\nerrors %lld\nseconds %.6f\n", (long long)sent, (long long)completed,
           (long long)errors, done || sent ? (double)(last_done - start) / 1e9 : 0.0);
    for (int code = 0; code < 1000; code++)
        if (status_count[code])
            printf("status %d %lld\n", code, (long long)status_count[code]);
    printf("cpu %.6f\nlatency_us\n", cpu);
    for (int64_t k = 0; k < completed; k++)
        printf("%lld\n", (long long)latencies[k]);
    if (fflush(stdout) != 0)
        die(1, "writing the results");
    return 0;
}
