/* Run: ctask execute examples/features.c   (then see README: add a feature)
 *
 * The image-features story in miniature. Each "image" is made up from its
 * number (a real pipeline would read files); a feature function turns each
 * image into a small vector, and summarise() gathers them into one table.
 * Compile with -DWITH_EDGES (ctask execute features.c --cflags -DWITH_EDGES)
 * to add a second feature: only the new tasks run, the images and the first
 * feature come from the store.
 */
#include <ctask.h>
#include <math.h>

#define NIMAGES 12
#define SIDE 64

/* load_image(i): a SIDE x SIDE grey image, deterministic in i. */
static ctask_value *load_image(ctask_ctx *cx, const ctask_args *a)
{
	uint64_t s = (uint64_t)ctask_arg_int(a, 0) * 2654435761u + 1;
	size_t shape[2] = {SIDE, SIDE};
	void *data;
	ctask_value *img = ctask_array(cx, CTASK_UINT8, 2, shape, &data);
	uint8_t *px = data;
	for (size_t k = 0; k < SIDE * SIDE; k++) {
		s = s * 6364136223846793005u + 1442695040888963407u;
		px[k] = (uint8_t)((s >> 56) / 2 + (k % SIDE) * 2);
	}
	return img;
}

/* texture(img): mean and variance of the pixel values. */
static ctask_value *texture(ctask_ctx *cx, const ctask_args *a)
{
	ctask_value *img = ctask_arg_array(a, 0);
	const uint8_t *px = ctask_array_data(img);
	size_t n = ctask_array_count(img);
	double sum = 0, sq = 0;
	for (size_t k = 0; k < n; k++)
		sum += px[k], sq += (double)px[k] * px[k];
	size_t shape[1] = {2};
	void *data;
	ctask_value *v = ctask_array(cx, CTASK_FLOAT64, 1, shape, &data);
	double *f = data;
	f[0] = sum / (double)n;
	f[1] = sq / (double)n - f[0] * f[0];
	return v;
}

#ifdef WITH_EDGES
/* edges(img): mean absolute horizontal gradient. */
static ctask_value *edges(ctask_ctx *cx, const ctask_args *a)
{
	ctask_value *img = ctask_arg_array(a, 0);
	const uint8_t *px = ctask_array_data(img);
	double sum = 0;
	for (size_t y = 0; y < SIDE; y++)
		for (size_t x = 1; x < SIDE; x++)
			sum += fabs((double)px[y * SIDE + x] -
				    px[y * SIDE + x - 1]);
	return ctask_double(cx, sum / (SIDE * (SIDE - 1)));
}
#endif

/* summarise(features...): a map from feature name to the list of values. */
static ctask_value *summarise(ctask_ctx *cx, const ctask_args *a)
{
	size_t n = ctask_arg_count(a) / 2;
	const char **keys = ctask_alloc(cx, n * sizeof *keys);
	ctask_value **vals = ctask_alloc(cx, n * sizeof *vals);
	for (size_t i = 0; i < n; i++) {
		keys[i] = ctask_arg_string(a, 2 * i);
		vals[i] = ctask_arg_list(a, 2 * i + 1);
	}
	return ctask_map_of(cx, n, keys, vals);
}

CTASK_GRAPH(g)
{
	ctask_task *tex[NIMAGES];
#ifdef WITH_EDGES
	ctask_task *edg[NIMAGES];
#endif
	for (int i = 0; i < NIMAGES; i++) {
		ctask_task *img = ctask_call(g, load_image, i);
		tex[i] = ctask_call(g, texture, img);
#ifdef WITH_EDGES
		edg[i] = ctask_call(g, edges, img);
#endif
	}
#ifdef WITH_EDGES
	ctask_call(g, summarise, "texture", ctask_list(g, tex, NIMAGES),
		   "edges", ctask_list(g, edg, NIMAGES));
#else
	ctask_call(g, summarise, "texture", ctask_list(g, tex, NIMAGES));
#endif
}
