// librsvg (Debian's librsvg2-dev) and cairo, to render Takeoff's SVG figures to PNG.
#include <librsvg/rsvg.h>
#include <cairo.h>
