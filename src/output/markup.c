/*
 * markup.c: text written into XML and HTML (the SVG charts, the HTML
 * pages), escaped once for both writers.
 */
#include <stdio.h>

#include "output/output.h"

/* Text for XML and HTML (SVG, the HTML pages): the five special characters
 * as entities, control characters other than tab and newline as spaces
 * (XML 1.0 allows none). */
void
lr_xml_escape(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default:
            /* control characters are not allowed in XML 1.0 */
            fputc((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n' ? ' ' : *s, f);
        }
    }
}
