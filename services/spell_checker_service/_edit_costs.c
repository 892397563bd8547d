/* The error model's costs in compiled code (see error_model.py, which holds the same algorithm
 * in Python, defines every cost, and uses its own code wherever this module was not built).
 *
 * The ranking computes a weighted alignment for every candidate it scores: in Python ~15 us a
 * pair, a quarter of a Swedish search. Here the same additions and comparisons run in the same
 * order on doubles, so every cost is bit for bit the one Python computes. error_model.py hands
 * the costs and tables over once, through configure().
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define LETTER_LIMIT 0x300 /* code points the replace table may hold (Latin letters) */
#define MAX_LETTERS 64     /* letters the replace table may hold */
#define NONE ((Py_UCS4)-1) /* no letter: before the first, after the last */

static struct {
    int ready;
    double doubling, apostrophe, transpose, vowel_cluster, fallback;
    double cheapest_edit, cheapest_letter_edit, not_two_doublings;
    signed char slot[LETTER_LIMIT];      /* code point -> row of `replace`, -1: none */
    char vowel[LETTER_LIMIT];            /* code point -> is a vowel */
    double replace[MAX_LETTERS][MAX_LETTERS];
} model;

typedef struct {
    int kind;
    const void *data;
    Py_ssize_t length;
} Text;

static Text text_of(PyObject *word) {
    Text text = {PyUnicode_KIND(word), PyUnicode_DATA(word), PyUnicode_GET_LENGTH(word)};
    return text;
}

/* t[start:end] as a view of the same letters (no copy): `at` sees only its letters. */
static Text slice(const Text *t, Py_ssize_t start, Py_ssize_t end) {
    Text part = {t->kind, (const char *)t->data + start * t->kind, end - start};
    return part;
}

static inline Py_UCS4 at(const Text *t, Py_ssize_t i) {
    return (i < 0 || i >= t->length) ? NONE : PyUnicode_READ(t->kind, t->data, i);
}

static inline int is_vowel(Py_UCS4 c) { return c < LETTER_LIMIT && model.vowel[c]; }

static inline double replace_cost(Py_UCS4 typed, Py_UCS4 intended) {
    if (typed >= LETTER_LIMIT || intended >= LETTER_LIMIT) return model.fallback;
    int row = model.slot[typed], column = model.slot[intended];
    return (row < 0 || column < 0) ? model.fallback : model.replace[row][column];
}

/* _insert_cost and _delete_cost: the letter at i added (or left out) beside its twin, or a
 * vowel beside a vowel. */
static double letter_cost(const Text *t, Py_ssize_t i) {
    Py_UCS4 letter = at(t, i), before = at(t, i - 1), after = at(t, i + 1);
    if (letter == '\'') return model.apostrophe;
    if (letter == before || letter == after) return model.doubling;
    if (is_vowel(letter) && (is_vowel(before) || is_vowel(after))) return model.vowel_cluster;
    return model.fallback;
}

/* _weighted_osa over `a` and `b` (slices, in edit_cost): the insert and delete costs look at
 * the letters around each within the slice only, as on Python's sliced strings. */
static int weighted_osa(const Text *a, const Text *b, double *result) {
    Py_ssize_t n = a->length, m = b->length;
    double *cells = PyMem_Malloc(sizeof(double) * (size_t)(4 * (m + 1) + n + 1));
    if (cells == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    double *before_previous = cells, *previous = cells + (m + 1), *row = cells + 2 * (m + 1);
    double *deletes = cells + 3 * (m + 1), *inserts = cells + 4 * (m + 1);
    for (Py_ssize_t i = 0; i < n; i++) inserts[i] = letter_cost(a, i);
    for (Py_ssize_t j = 0; j < m; j++) deletes[j] = letter_cost(b, j);
    previous[0] = 0.0;
    for (Py_ssize_t j = 0; j < m; j++) previous[j + 1] = previous[j] + deletes[j];
    for (Py_ssize_t i = 1; i <= n; i++) {
        Py_UCS4 letter = at(a, i - 1), earlier = at(a, i - 2);
        double insert = inserts[i - 1];
        row[0] = previous[0] + insert;
        for (Py_ssize_t j = 1; j <= m; j++) {
            Py_UCS4 intended = at(b, j - 1);
            double best = letter == intended ? previous[j - 1]
                                             : previous[j - 1] + replace_cost(letter, intended);
            if (previous[j] + insert < best) best = previous[j] + insert;
            if (row[j - 1] + deletes[j - 1] < best) best = row[j - 1] + deletes[j - 1];
            if (i > 1 && j > 1 && letter == at(b, j - 2) && earlier == intended &&
                letter != intended && before_previous[j - 2] + model.transpose < best)
                best = before_previous[j - 2] + model.transpose;
            row[j] = best;
        }
        double *spare = before_previous;
        before_previous = previous;
        previous = row;
        row = spare;
    }
    *result = previous[m];
    PyMem_Free(cells);
    return 0;
}

static int check(PyObject *typed, PyObject *intended) {
    if (!model.ready) {
        PyErr_SetString(PyExc_RuntimeError, "configure() the error model first");
        return -1;
    }
    if (!PyUnicode_Check(typed) || !PyUnicode_Check(intended)) {
        PyErr_SetString(PyExc_TypeError, "two str expected");
        return -1;
    }
    return 0;
}

/* edit_cost: trim the common prefix and suffix (keeping one letter of context on each side),
 * then align what is left. */
static int cost_of(PyObject *typed, PyObject *intended, double *result) {
    if (PyUnicode_Compare(typed, intended) == 0) {
        *result = 0.0;
        return 0;
    }
    if (PyErr_Occurred()) return -1;
    Text t = text_of(typed), w = text_of(intended);
    Py_ssize_t start = 0;
    while (start < t.length && start < w.length && at(&t, start) == at(&w, start)) start++;
    start = start > 0 ? start - 1 : 0;
    Py_ssize_t end = 0;
    while (end < t.length - start && end < w.length - start &&
           at(&t, t.length - 1 - end) == at(&w, w.length - 1 - end))
        end++;
    end = end > 0 ? end - 1 : 0;
    Text a = slice(&t, start, t.length - end), b = slice(&w, start, w.length - end);
    return weighted_osa(&a, &b, result);
}

static PyObject *edit_cost(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    double cost;
    if (nargs != 2) return PyErr_Format(PyExc_TypeError, "edit_cost takes 2 arguments");
    if (check(args[0], args[1]) < 0 || cost_of(args[0], args[1], &cost) < 0) return NULL;
    return PyFloat_FromDouble(cost);
}

static int has_double(const Text *t) {
    for (Py_ssize_t i = 0; i + 1 < t->length; i++)
        if (at(t, i) == at(t, i + 1)) return 1;
    return 0;
}

static int has_apostrophe(const Text *t) {
    for (Py_ssize_t i = 0; i < t->length; i++)
        if (at(t, i) == '\'') return 1;
    return 0;
}

/* single_edit_cost: the one edit at the first differing letter, unless two cheaper edits
 * might beat it (then the alignment decides). */
static PyObject *single_edit_cost(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) return PyErr_Format(PyExc_TypeError, "single_edit_cost takes 2 arguments");
    PyObject *typed = args[0], *intended = args[1];
    if (check(typed, intended) < 0) return NULL;
    Text t = text_of(typed), w = text_of(intended);
    Py_ssize_t shortest = t.length < w.length ? t.length : w.length, i = 0;
    while (i < shortest && at(&t, i) == at(&w, i)) i++;
    double cost;
    if (t.length > w.length) {
        cost = letter_cost(&t, i);
    } else if (t.length < w.length) {
        cost = letter_cost(&w, i);
    } else if (i == t.length) {
        PyErr_SetString(PyExc_IndexError, "the words are equal");
        return NULL;
    } else {
        Py_ssize_t k = i + 1;
        while (k < t.length && at(&t, k) == at(&w, k)) k++;
        cost = k == t.length ? replace_cost(at(&t, i), at(&w, i)) : model.transpose;
    }
    int apostrophe = has_apostrophe(&t) || has_apostrophe(&w);
    double cheapest = apostrophe ? model.cheapest_edit : model.cheapest_letter_edit;
    if (cost <= 2 * cheapest) return PyFloat_FromDouble(cost);
    if (cheapest == model.cheapest_letter_edit && cost < model.not_two_doublings &&
        !(t.length == w.length && has_double(&t) && has_double(&w)))
        return PyFloat_FromDouble(cost);
    if (cost_of(typed, intended, &cost) < 0) return NULL;
    return PyFloat_FromDouble(cost);
}

/* configure(costs, vowels, replace): costs = (doubling, apostrophe, transpose, vowel_cluster,
 * default, cheapest_edit, cheapest_letter_edit, not_two_doublings); replace = {(typed,
 * intended): cost} for the pairs cheaper than default. */
static PyObject *configure(PyObject *self, PyObject *args) {
    PyObject *vowels, *replace;
    double *c[] = {&model.doubling, &model.apostrophe, &model.transpose, &model.vowel_cluster,
                   &model.fallback, &model.cheapest_edit, &model.cheapest_letter_edit,
                   &model.not_two_doublings};
    model.ready = 0;
    if (!PyArg_ParseTuple(args, "(dddddddd)UO!", c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
                          &vowels, &PyDict_Type, &replace))
        return NULL;
    memset(model.slot, -1, sizeof(model.slot));
    memset(model.vowel, 0, sizeof(model.vowel));
    Text v = text_of(vowels);
    for (Py_ssize_t i = 0; i < v.length; i++) {
        Py_UCS4 letter = at(&v, i);
        if (letter >= LETTER_LIMIT) return PyErr_Format(PyExc_ValueError, "vowel out of range");
        model.vowel[letter] = 1;
    }
    int slots = 0;
    PyObject *key, *value;
    Py_ssize_t position = 0;
    while (PyDict_Next(replace, &position, &key, &value)) {
        PyObject *pair[2];
        if (!PyTuple_Check(key) || PyTuple_GET_SIZE(key) != 2)
            return PyErr_Format(PyExc_TypeError, "replace keys are (typed, intended)");
        int index[2];
        for (int k = 0; k < 2; k++) {
            pair[k] = PyTuple_GET_ITEM(key, k);
            if (!PyUnicode_Check(pair[k]) || PyUnicode_GET_LENGTH(pair[k]) != 1)
                return PyErr_Format(PyExc_TypeError, "replace keys are pairs of letters");
            Py_UCS4 letter = PyUnicode_READ_CHAR(pair[k], 0);
            if (letter >= LETTER_LIMIT) return PyErr_Format(PyExc_ValueError, "out of range");
            if (model.slot[letter] < 0) {
                if (slots == MAX_LETTERS) return PyErr_Format(PyExc_ValueError, "too many");
                model.slot[letter] = (signed char)slots;
                for (int other = 0; other < MAX_LETTERS; other++)
                    model.replace[slots][other] = model.replace[other][slots] = model.fallback;
                slots++;
            }
            index[k] = model.slot[letter];
        }
        double cost = PyFloat_AsDouble(value);
        if (cost == -1.0 && PyErr_Occurred()) return NULL;
        model.replace[index[0]][index[1]] = cost;
    }
    model.ready = 1;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"configure", configure, METH_VARARGS, "configure(costs, vowels, replace)"},
    {"edit_cost", (PyCFunction)(void (*)(void))edit_cost, METH_FASTCALL,
     "edit_cost(typed, intended): the weighted alignment's cost."},
    {"single_edit_cost", (PyCFunction)(void (*)(void))single_edit_cost, METH_FASTCALL,
     "single_edit_cost(typed, intended): edit_cost for words one edit apart."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_edit_costs",
    "The error model's costs in compiled code (see error_model.py).", -1, methods,
};

PyMODINIT_FUNC PyInit__edit_costs(void) { return PyModule_Create(&module); }
