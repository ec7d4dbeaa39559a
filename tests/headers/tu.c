/*
 * tests/headers/tu.c: the translation unit of the headers suite. Each public
 * header is put in front of it twice with -include (so that its include
 * guard is tested too) and compiled alone, as C99 and as C++11, with
 * -Wall -Wextra -pedantic -Werror. This line keeps the unit non-empty for
 * headers that only define macros.
 */
typedef int terminus_header_test_unit;
