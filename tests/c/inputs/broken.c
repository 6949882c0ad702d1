/* A file with a syntax error on line 6. */

static int
ok(void)
{
	return (1 +);
}

int fine;
