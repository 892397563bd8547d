/* The deletes index's lookups in compiled code (see deletes_index.py, which holds the same
 * algorithm in Python and uses it wherever this module was not built).
 *
 * A word's probes are itself and its one- and two-letter deletes; each is hashed (CRC-32 of
 * its UTF-8 bytes, as zlib.crc32(probe.encode())) and looked up in the sorted (key, value)
 * arrays. In Python each probe costs ~2-3 us (building the string, hashing it, a bisect over a
 * memoryview, boxing every entry); here the deletes are never built as strings: the CRC of a
 * delete is the CRC of the bytes before the deleted letter continued over the bytes after it.
 *
 * The results are the same dicts the Python code fills: word id -> the smallest probe depth +
 * entry depth (an upper bound on the edit distance).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>

#include "_utf8.h"

#define BUCKET_BITS 20
#define SHIFT (32 - BUCKET_BITS)

typedef struct {
    Py_buffer starts, keys, values;
} Index;

static void index_release(Index *index) {
    if (index->starts.obj) PyBuffer_Release(&index->starts);
    if (index->keys.obj) PyBuffer_Release(&index->keys);
    if (index->values.obj) PyBuffer_Release(&index->values);
}

static int index_get(Index *index, PyObject *starts, PyObject *keys, PyObject *values) {
    memset(index, 0, sizeof(*index));
    if (PyObject_GetBuffer(starts, &index->starts, PyBUF_C_CONTIGUOUS) < 0 ||
        PyObject_GetBuffer(keys, &index->keys, PyBUF_C_CONTIGUOUS) < 0 ||
        PyObject_GetBuffer(values, &index->values, PyBUF_C_CONTIGUOUS) < 0) {
        index_release(index);
        return -1;
    }
    if (index->starts.len != (((Py_ssize_t)1 << BUCKET_BITS) + 1) * 4 ||
        index->keys.len != index->values.len) {
        index_release(index);
        PyErr_SetString(PyExc_ValueError, "not a deletes index");
        return -1;
    }
    return 0;
}

/* found[id] = total unless it already holds a smaller total. */
static int keep_smaller(PyObject *found, uint32_t word_id, long total) {
    PyObject *key = PyLong_FromUnsignedLong(word_id);
    if (key == NULL) return -1;
    PyObject *current = PyDict_GetItemWithError(found, key);
    int result = 0;
    if (current == NULL && PyErr_Occurred()) {
        result = -1;
    } else if (current == NULL || PyLong_AsLong(current) > total) {
        PyObject *value = PyLong_FromLong(total);
        result = value == NULL ? -1 : PyDict_SetItem(found, key, value);
        Py_XDECREF(value);
    }
    Py_DECREF(key);
    return result;
}

/* One probe: every entry under `key` (ids up to `max_id`, all when negative) into `found`
 * when its depth is at most `max_depth`, else into `deeper` (when not NULL). */
static int look_up(const Index *index, uint32_t key, long depth, long max_depth, long max_id,
                   PyObject *found, PyObject *deeper) {
    const uint32_t *starts = index->starts.buf;
    const uint32_t *keys = index->keys.buf;
    const uint32_t *values = index->values.buf;
    Py_ssize_t low = starts[key >> SHIFT], end = starts[(key >> SHIFT) + 1];
    Py_ssize_t high = end;
    while (low < high) {
        Py_ssize_t middle = low + (high - low) / 2;
        if (keys[middle] < key) low = middle + 1; else high = middle;
    }
    for (Py_ssize_t position = low; position < end && keys[position] == key; position++) {
        uint32_t value = values[position], word_id = value >> 2;
        long entry_depth = (long)(value & 3);
        if (max_id >= 0 && (long)word_id > max_id) break;
        if (entry_depth <= max_depth) {
            if (keep_smaller(found, word_id, depth + entry_depth) < 0) return -1;
        } else if (deeper != NULL && deeper != Py_None) {
            if (keep_smaller(deeper, word_id, depth + entry_depth) < 0) return -1;
        }
    }
    return 0;
}

static int compare_keys(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* The distinct CRCs in `crcs` (sorted: equal deletes, as from a doubled letter, hash alike and
 * are looked up once; ascending keys also read the index in order). */
static Py_ssize_t distinct(uint32_t *crcs, Py_ssize_t n) {
    if (n == 0) return 0;
    qsort(crcs, (size_t)n, sizeof(uint32_t), compare_keys);
    Py_ssize_t kept = 1;
    for (Py_ssize_t i = 1; i < n; i++)
        if (crcs[i] != crcs[kept - 1]) crcs[kept++] = crcs[i];
    return kept;
}

/* One call's state: the word's letters, the index's buffers, room for `capacity` CRCs. */
typedef struct {
    Letters word;
    Index index;
    uint32_t *crcs;
} Probe;

static int probe_begin(Probe *probe, PyObject *word, PyObject *starts, PyObject *keys,
                       PyObject *values, int pairs) {
    memset(probe, 0, sizeof(*probe));
    if (letters_of(word, &probe->word) < 0) return -1;
    if (index_get(&probe->index, starts, keys, values) < 0) {
        PyMem_Free(probe->word.starts);
        probe->word.starts = NULL;
        return -1;
    }
    Py_ssize_t n = probe->word.letters;
    Py_ssize_t capacity = pairs ? n * (n - 1) / 2 : n;
    probe->crcs = PyMem_Malloc(sizeof(uint32_t) * (size_t)(capacity > 0 ? capacity : 1));
    if (probe->crcs == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* Frees what probe_begin took; None, or NULL with the error set. */
static PyObject *probe_end(Probe *probe, int failed) {
    PyMem_Free(probe->crcs);
    PyMem_Free(probe->word.starts);
    index_release(&probe->index);
    if (failed) return NULL;
    Py_RETURN_NONE;
}

/* The CRCs of the word's one-letter deletes into `crcs`; returns the CRC of the word. */
static uint32_t hash_deletes(const Letters *w, uint32_t *crcs) {
    const unsigned char *b = w->bytes;
    Py_ssize_t size = w->starts[w->letters];
    uint32_t prefix = 0; /* CRC of the letters before i */
    for (Py_ssize_t i = 0; i < w->letters; i++) {
        Py_ssize_t cut = w->starts[i], resume = w->starts[i + 1];
        crcs[i] = crc_extend(prefix, b + resume, size - resume);
        prefix = crc_extend(prefix, b + cut, resume - cut);
    }
    return prefix;
}

/* The CRCs of the word's two-letter deletes (each pair of letters once) into `crcs`. */
static Py_ssize_t hash_double_deletes(const Letters *w, uint32_t *crcs) {
    const unsigned char *b = w->bytes;
    const Py_ssize_t *at = w->starts;
    Py_ssize_t n = w->letters, size = at[n], count = 0;
    uint32_t prefix = 0; /* CRC of the letters before i */
    for (Py_ssize_t i = 0; i < n; i++) {
        uint32_t middle = prefix; /* ... and of those between i and j */
        for (Py_ssize_t j = i + 1; j < n; j++) {
            crcs[count++] = crc_extend(middle, b + at[j + 1], size - at[j + 1]);
            middle = crc_extend(middle, b + at[j], at[j + 1] - at[j]);
        }
        prefix = crc_extend(prefix, b + at[i], at[i + 1] - at[i]);
    }
    return count;
}

/* Look up each distinct CRC of `crcs[:count]` at `depth`. */
static int look_up_all(const Probe *probe, Py_ssize_t count, long depth, long max_depth,
                       long max_id, PyObject *found, PyObject *deeper) {
    count = distinct(probe->crcs, count);
    for (Py_ssize_t i = 0; i < count; i++)
        if (look_up(&probe->index, probe->crcs[i], depth, max_depth, max_id, found, deeper) < 0)
            return -1;
    return 0;
}

/* one_edit(starts, keys, values, word, found, deeper): the word at depth 0 and its one-letter
 * deletes at depth 1; entries up to depth 1 into `found`, deeper ones into `deeper`. */
static PyObject *one_edit(PyObject *self, PyObject *args) {
    PyObject *starts, *keys, *values, *word, *found, *deeper;
    if (!PyArg_ParseTuple(args, "OOOUO!O", &starts, &keys, &values, &word, &PyDict_Type, &found,
                          &deeper))
        return NULL;
    Probe probe;
    if (probe_begin(&probe, word, starts, keys, values, 0) < 0) return probe_end(&probe, 1);
    uint32_t whole = hash_deletes(&probe.word, probe.crcs);
    int failed = look_up(&probe.index, whole, 0, 1, -1, found, deeper) < 0 ||
                 look_up_all(&probe, probe.word.letters, 1, 1, -1, found, deeper) < 0;
    return probe_end(&probe, failed);
}

/* two_deletes(starts, keys, values, word, found, max_id): the word's two-letter deletes at
 * depth 2, every entry with an id up to `max_id` (all when negative) into `found`. */
static PyObject *two_deletes(PyObject *self, PyObject *args) {
    PyObject *starts, *keys, *values, *word, *found;
    long max_id;
    if (!PyArg_ParseTuple(args, "OOOUO!l", &starts, &keys, &values, &word, &PyDict_Type, &found,
                          &max_id))
        return NULL;
    Probe probe;
    if (probe_begin(&probe, word, starts, keys, values, 1) < 0) return probe_end(&probe, 1);
    Py_ssize_t count = hash_double_deletes(&probe.word, probe.crcs);
    return probe_end(&probe, look_up_all(&probe, count, 2, 2, max_id, found, NULL) < 0);
}

static PyMethodDef methods[] = {
    {"one_edit", one_edit, METH_VARARGS,
     "one_edit(starts, keys, values, word, found, deeper): look up the word and its deletes."},
    {"two_deletes", two_deletes, METH_VARARGS,
     "two_deletes(starts, keys, values, word, found, max_id): look up its two-letter deletes."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_deletes_probe",
    "The deletes index's lookups in compiled code (see deletes_index.py).", -1, methods,
};

PyMODINIT_FUNC PyInit__deletes_probe(void) {
    crc_init();
    return PyModule_Create(&module);
}
