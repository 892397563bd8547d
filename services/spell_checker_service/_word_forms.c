/* The quick "no" before Hunspell sv_SE in compiled code (see word_forms.py, which holds the
 * same test in Python and uses it wherever this module was not built).
 *
 * A word may be accepted only if it is a form of the dictionary, or a compound: a part that
 * may begin one, parts that may stand in the middle, a part that may end one. Each part is
 * looked up by the CRC-32 of its UTF-8 bytes in a sorted table; the CRC of a part one letter
 * longer continues the CRC of the part. In Python each lookup cost ~0.5 us (a slice, a CRC
 * call, a bisect); here a word's whole test takes about as long as one of them did.
 *
 * tables(forms, begin, middle, end) keeps the four tables (buffers of uint32) in a capsule,
 * once; may_accept(tables, word) gives WordForms.python_may_accept's answer for a word of
 * letters only.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#include "_utf8.h"

enum { FORMS, BEGIN, MIDDLE, END, TABLES };

typedef struct {
    Py_buffer views[TABLES];
    int held; /* how many views are held */
} Tables;

static const char *CAPSULE = "huleedu.word_forms";

static void release(Tables *tables) {
    for (int t = 0; t < tables->held; t++) PyBuffer_Release(&tables->views[t]);
    PyMem_Free(tables);
}

static void capsule_free(PyObject *capsule) { release(PyCapsule_GetPointer(capsule, CAPSULE)); }

static PyObject *tables(PyObject *self, PyObject *args) {
    PyObject *objects[TABLES];
    if (!PyArg_ParseTuple(args, "OOOO", &objects[0], &objects[1], &objects[2], &objects[3]))
        return NULL;
    Tables *packed = PyMem_Calloc(1, sizeof(Tables));
    if (packed == NULL) return PyErr_NoMemory();
    for (; packed->held < TABLES; packed->held++) {
        Py_buffer *view = &packed->views[packed->held];
        if (PyObject_GetBuffer(objects[packed->held], view, PyBUF_C_CONTIGUOUS) < 0) {
            release(packed);
            return NULL;
        }
        if (view->itemsize != 4) {
            PyBuffer_Release(view);
            release(packed);
            PyErr_SetString(PyExc_TypeError, "tables are arrays of 32-bit unsigned ints");
            return NULL;
        }
    }
    PyObject *capsule = PyCapsule_New(packed, CAPSULE, capsule_free);
    if (capsule == NULL) release(packed);
    return capsule;
}

static int has(const Py_buffer *view, uint32_t key) {
    const uint32_t *keys = view->buf;
    Py_ssize_t low = 0, high = view->len / 4;
    while (low < high) {
        Py_ssize_t middle = low + (high - low) / 2;
        if (keys[middle] < key)
            low = middle + 1;
        else
            high = middle;
    }
    return low < view->len / 4 && keys[low] == key;
}

/* Mark in `next` where a part may start after one from `table` that starts at letter `start`
 * and ends before the last letter: right after it, or on its last letter when that letter is
 * doubled (SIMPLIFIEDTRIPLE: glass + skål is written glasskål). */
static void mark_after(const Py_buffer *table, const Letters *w, Py_ssize_t start, char *next) {
    const unsigned char *bytes = w->bytes;
    const Py_ssize_t *at = w->starts;
    uint32_t crc = 0;
    for (Py_ssize_t end = start + 1; end < w->letters; end++) {
        crc = crc_extend(crc, bytes + at[end - 1], at[end] - at[end - 1]);
        if (!has(table, crc)) continue;
        next[end] = 1;
        Py_ssize_t size = at[end] - at[end - 1];
        if (end - start >= 2 && at[end - 1] - at[end - 2] == size &&
            memcmp(bytes + at[end - 2], bytes + at[end - 1], (size_t)size) == 0)
            next[end - 1] = 1;
    }
}

static PyObject *may_accept(PyObject *self, PyObject *args) {
    PyObject *capsule, *word;
    if (!PyArg_ParseTuple(args, "OU", &capsule, &word)) return NULL;
    const Tables *packed = PyCapsule_GetPointer(capsule, CAPSULE);
    if (packed == NULL) return NULL;
    Letters w;
    if (letters_of(word, &w) < 0) return NULL;
    Py_ssize_t size = w.starts[w.letters];
    if (has(&packed->views[FORMS], crc_extend(0, w.bytes, size))) {
        PyMem_Free(w.starts);
        Py_RETURN_TRUE;
    }
    char *reachable = PyMem_Calloc((size_t)w.letters + 1, 1); /* a part may start there */
    if (reachable == NULL) {
        PyMem_Free(w.starts);
        return PyErr_NoMemory();
    }
    mark_after(&packed->views[BEGIN], &w, 0, reachable);
    /* Parts only reach forwards, so one pass over the starts in order sees every one. */
    int found = 0;
    for (Py_ssize_t start = 1; start < w.letters && !found; start++) {
        if (!reachable[start]) continue;
        Py_ssize_t from = w.starts[start];
        found = has(&packed->views[END], crc_extend(0, w.bytes + from, size - from));
        if (!found) mark_after(&packed->views[MIDDLE], &w, start, reachable);
    }
    PyMem_Free(w.starts);
    PyMem_Free(reachable);
    return PyBool_FromLong(found);
}

static PyMethodDef methods[] = {
    {"tables", tables, METH_VARARGS, "tables(forms, begin, middle, end): the tables, held."},
    {"may_accept", may_accept, METH_VARARGS,
     "may_accept(tables, word): False only when Hunspell is sure to reject the word."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_word_forms",
    "The quick no before Hunspell sv_SE in compiled code (see word_forms.py).", -1, methods,
};

PyMODINIT_FUNC PyInit__word_forms(void) {
    crc_init();
    return PyModule_Create(&module);
}
