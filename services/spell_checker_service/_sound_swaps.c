/* Sound-spelling swaps in compiled code (see sound_spellings.py, which holds the same rules in
 * Python and uses them wherever this module was not built).
 *
 * Every unknown Swedish word asks for its variants: each spelling of a sound that occurs in it
 * (anywhere, or at its end for the endings) replaced by each other spelling of that sound. In
 * Python that was a regex scan and string slicing, ~5 us a word, a fifth of a Swedish search.
 * table(inside, endings) packs the two {written: [intended, ...]} dicts once; variants(table,
 * word) returns the same set the Python code returns.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    Py_UCS4 *letters;
    Py_ssize_t length;
} Spelling;

typedef struct {
    Spelling written;
    Spelling *intended;
    Py_ssize_t choices;
} Rule;

typedef struct {
    Rule *rules[2]; /* inside, endings */
    Py_ssize_t count[2];
    Py_ssize_t longest; /* the longest intended spelling */
} Table;

static const char *CAPSULE = "huleedu.sound_swaps";

static void free_table(Table *table) {
    if (table == NULL) return;
    for (int kind = 0; kind < 2; kind++) {
        for (Py_ssize_t r = 0; table->rules[kind] && r < table->count[kind]; r++) {
            Rule *rule = &table->rules[kind][r];
            PyMem_Free(rule->written.letters);
            for (Py_ssize_t c = 0; rule->intended && c < rule->choices; c++)
                PyMem_Free(rule->intended[c].letters);
            PyMem_Free(rule->intended);
        }
        PyMem_Free(table->rules[kind]);
    }
    PyMem_Free(table);
}

static void capsule_free(PyObject *capsule) {
    free_table(PyCapsule_GetPointer(capsule, CAPSULE));
}

static int spelling_of(PyObject *text, Spelling *out) {
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "spellings are str");
        return -1;
    }
    out->length = PyUnicode_GET_LENGTH(text);
    out->letters = PyUnicode_AsUCS4Copy(text);
    return out->letters == NULL ? -1 : 0;
}

static int pack(PyObject *rules, Table *table, int kind) {
    if (!PyDict_Check(rules)) {
        PyErr_SetString(PyExc_TypeError, "rules are a dict");
        return -1;
    }
    Py_ssize_t count = PyDict_GET_SIZE(rules), r = 0, position = 0;
    table->rules[kind] = PyMem_Calloc((size_t)(count > 0 ? count : 1), sizeof(Rule));
    if (table->rules[kind] == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    PyObject *written, *intended;
    while (PyDict_Next(rules, &position, &written, &intended)) {
        Rule *rule = &table->rules[kind][r++];
        table->count[kind] = r;
        if (spelling_of(written, &rule->written) < 0) return -1;
        if (!PyList_Check(intended)) {
            PyErr_SetString(PyExc_TypeError, "each rule's spellings are a list");
            return -1;
        }
        rule->choices = PyList_GET_SIZE(intended);
        rule->intended = PyMem_Calloc((size_t)(rule->choices > 0 ? rule->choices : 1),
                                      sizeof(Spelling));
        if (rule->intended == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        for (Py_ssize_t c = 0; c < rule->choices; c++) {
            if (spelling_of(PyList_GET_ITEM(intended, c), &rule->intended[c]) < 0) return -1;
            if (rule->intended[c].length > table->longest)
                table->longest = rule->intended[c].length;
        }
    }
    return 0;
}

static PyObject *table(PyObject *self, PyObject *args) {
    PyObject *inside, *endings;
    if (!PyArg_ParseTuple(args, "OO", &inside, &endings)) return NULL;
    Table *packed = PyMem_Calloc(1, sizeof(Table));
    if (packed == NULL) return PyErr_NoMemory();
    if (pack(inside, packed, 0) < 0 || pack(endings, packed, 1) < 0) {
        free_table(packed);
        return NULL;
    }
    PyObject *capsule = PyCapsule_New(packed, CAPSULE, capsule_free);
    if (capsule == NULL) free_table(packed);
    return capsule;
}

static int matches(const Py_UCS4 *word, Py_ssize_t size, Py_ssize_t at, const Spelling *s) {
    if (at < 0 || at + s->length > size) return 0;
    for (Py_ssize_t i = 0; i < s->length; i++)
        if (word[at + i] != s->letters[i]) return 0;
    return 1;
}

/* word[:at] + choice + word[at + replaced:] into `found`. */
static int add_variant(PyObject *found, const Py_UCS4 *word, Py_ssize_t size, Py_ssize_t at,
                       Py_ssize_t replaced, const Spelling *choice, Py_UCS4 *buffer) {
    Py_ssize_t length = 0;
    memcpy(buffer, word, sizeof(Py_UCS4) * (size_t)at);
    length += at;
    memcpy(buffer + length, choice->letters, sizeof(Py_UCS4) * (size_t)choice->length);
    length += choice->length;
    Py_ssize_t rest = size - at - replaced;
    memcpy(buffer + length, word + at + replaced, sizeof(Py_UCS4) * (size_t)rest);
    length += rest;
    PyObject *variant = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buffer, length);
    if (variant == NULL) return -1;
    int status = PySet_Add(found, variant);
    Py_DECREF(variant);
    return status;
}

static PyObject *variants(PyObject *self, PyObject *args) {
    PyObject *capsule, *text;
    if (!PyArg_ParseTuple(args, "OU", &capsule, &text)) return NULL;
    Table *packed = PyCapsule_GetPointer(capsule, CAPSULE);
    if (packed == NULL) return NULL;
    Py_ssize_t size = PyUnicode_GET_LENGTH(text);
    Py_UCS4 *word = PyUnicode_AsUCS4Copy(text);
    Py_UCS4 *buffer = PyMem_Malloc(sizeof(Py_UCS4) * (size_t)(size + packed->longest + 1));
    PyObject *found = word && buffer ? PySet_New(NULL) : NULL;
    int failed = found == NULL;
    if (!failed && buffer == NULL) PyErr_NoMemory();
    /* Endings: a rule whose spelling ends the word (the empty one always does). */
    for (Py_ssize_t r = 0; !failed && r < packed->count[1]; r++) {
        const Rule *rule = &packed->rules[1][r];
        Py_ssize_t at = size - rule->written.length;
        if (!matches(word, size, at, &rule->written)) continue;
        for (Py_ssize_t c = 0; !failed && c < rule->choices; c++)
            failed = add_variant(found, word, size, at, rule->written.length,
                                 &rule->intended[c], buffer) < 0;
    }
    /* Inside: every rule whose spelling starts at each position. */
    for (Py_ssize_t at = 0; !failed && at < size; at++) {
        for (Py_ssize_t r = 0; !failed && r < packed->count[0]; r++) {
            const Rule *rule = &packed->rules[0][r];
            if (rule->written.length == 0 || !matches(word, size, at, &rule->written)) continue;
            for (Py_ssize_t c = 0; !failed && c < rule->choices; c++)
                failed = add_variant(found, word, size, at, rule->written.length,
                                     &rule->intended[c], buffer) < 0;
        }
    }
    if (!failed) failed = PySet_Discard(found, text) < 0;
    PyMem_Free(word);
    PyMem_Free(buffer);
    if (failed) {
        Py_XDECREF(found);
        return NULL;
    }
    return found;
}

static PyMethodDef methods[] = {
    {"table", table, METH_VARARGS, "table(inside, endings): the rules, packed."},
    {"variants", variants, METH_VARARGS, "variants(table, word): every one-swap variant."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_sound_swaps",
    "Sound-spelling swaps in compiled code (see sound_spellings.py).", -1, methods,
};

PyMODINIT_FUNC PyInit__sound_swaps(void) { return PyModule_Create(&module); }
