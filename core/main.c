/* falco: command line only. Parses options, builds the engine, runs it. */
#include <stdio.h>
#include <string.h>

#include "event/event.h"

#ifndef FALCO_VERSION
#define FALCO_VERSION "0.1.0"
#endif

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--version") == 0) {
			printf("Falco version: %s\n", FALCO_VERSION);
			return 0;
		}
	}
	fprintf(stderr, "usage: falco [--version]\n");
	return 1;
}
