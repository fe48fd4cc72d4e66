// tests/embedded/firmware/semihost.c — Arm semihosting (BKPT 0xAB on
// M-profile) and the newlib system-call stubs the C library may reference.
// QEMU serves these with `-semihosting-config enable=on,target=native`.
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "runtime.h"

enum {
  SYS_WRITEC = 0x03,
  SYS_WRITE0 = 0x04,
  SYS_CLOCK = 0x10,
  SYS_EXIT = 0x18,
  SYS_EXIT_EXTENDED = 0x20,
  ADP_Stopped_ApplicationExit = 0x20026,
};

static uintptr_t semihost(uintptr_t op, uintptr_t arg) {
  register uintptr_t r0 __asm("r0") = op;
  register uintptr_t r1 __asm("r1") = arg;
  __asm volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

void fw_puts(const char* s) { semihost(SYS_WRITE0, (uintptr_t)s); }

uint32_t fw_clock_cs(void) { return (uint32_t)semihost(SYS_CLOCK, 0); }

void fw_exit(int status) {
  // SYS_EXIT_EXTENDED carries the status as the subcode, so QEMU exits
  // with it; the plain SYS_EXIT on AArch32 can only say 0 or 1.
  uintptr_t block[2] = {ADP_Stopped_ApplicationExit, (uintptr_t)status};
  semihost(SYS_EXIT_EXTENDED, (uintptr_t)block);
  semihost(SYS_EXIT, status == 0 ? ADP_Stopped_ApplicationExit : 0x20023 /* RunTimeErrorUnknown */);
  for (;;) __asm volatile("bkpt 0");
}

// --- newlib hooks ---------------------------------------------------------
// stdout/stderr go to the semihosting console; nothing else exists.
int _write(int fd, const char* buf, int len) {
  if (fd != 1 && fd != 2) {
    errno = EBADF;
    return -1;
  }
  char chunk[65];
  int done = 0;
  while (done < len) {
    int n = len - done < 64 ? len - done : 64;
    memcpy(chunk, buf + done, (size_t)n);
    chunk[n] = 0;
    fw_puts(chunk);
    done += n;
  }
  return len;
}
int _read(int fd, char* buf, int len) { (void)fd; (void)buf; (void)len; errno = EBADF; return -1; }
int _close(int fd) { (void)fd; errno = EBADF; return -1; }
int _lseek(int fd, int off, int whence) { (void)fd; (void)off; (void)whence; errno = ESPIPE; return -1; }
int _fstat(int fd, struct stat* st) { (void)fd; st->st_mode = S_IFCHR; return 0; }
int _isatty(int fd) { return fd <= 2; }
int _getpid(void) { return 1; }
int _kill(int pid, int sig) { (void)pid; (void)sig; fw_puts("killed (abort)\n"); fw_exit(134); }
void _exit(int status) { fw_exit(status); }
// The heap is heap.cc's arena; newlib's own malloc (and so sbrk) is never linked.
void* _sbrk(int incr) { (void)incr; errno = ENOMEM; return (void*)-1; }
void abort(void) {
  fw_puts("abort()\n");
  fw_exit(134);
}
