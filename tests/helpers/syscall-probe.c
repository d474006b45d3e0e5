/*
 * syscall-probe: makes one raw system call inside a container and prints what the kernel
 * (and its seccomp filter) answered, so tests can check a decision exactly: the errno a rule
 * returns, that a kill action kills, that an argument comparison matched.
 *
 *   syscall-probe NR [ARG...]     each ARG is a number (0x.. hex allowed), at most 6
 *   prints "ok RET" or "errno N"; exits 0 either way (a filter that kills ends it by signal).
 *
 *   syscall-probe mempolicy       get_mempolicy(2) of the calling thread, which needs
 *   pointers the numeric form cannot pass: prints "mode M nodes 0xMASK" (M with the
 *   MPOL_F_* mode flags the kernel reports) or "errno N".
 *
 * Built static by the Makefile (make probe) and copied into test rootfs: busybox cannot make
 * arbitrary syscalls.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

static int print_mempolicy(void)
{
	int mode = 0;
	unsigned long nodes[16] = { 0 }; /* 1024 nodes */
	if (syscall(SYS_get_mempolicy, &mode, nodes, sizeof(nodes) * 8, 0, 0) != 0) {
		printf("errno %d\n", errno);
		return 0;
	}
	/* Nodes past the first 64 do not exist on the test hosts. */
	printf("mode %d nodes 0x%lx\n", mode, nodes[0]);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "mempolicy") == 0)
		return print_mempolicy();
	if (argc < 2 || argc > 8) {
		fprintf(stderr, "usage: syscall-probe NR [ARG...] (at most 6 arguments)\n");
		return 2;
	}
	long nr = strtol(argv[1], NULL, 0);
	unsigned long a[6] = { 0 };
	for (int i = 2; i < argc; i++)
		a[i - 2] = strtoul(argv[i], NULL, 0);
	errno = 0;
	long ret = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (ret == -1 && errno != 0)
		printf("errno %d\n", errno);
	else
		printf("ok %ld\n", ret);
	return 0;
}
