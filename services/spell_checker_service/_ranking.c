/* The candidates' scoring loop in compiled code (see ranking.py, which holds the same loop in
 * Python and runs it wherever this module was not built).
 *
 * Each unknown word's candidates are walked most frequent first; a candidate is skipped as
 * soon as its best possible score cannot reach the threshold, and the walk stops when no
 * rarer word can. In Python a call cost ~6 us, most of it the interpreter's (a dict and a
 * list per call, a few attribute and global lookups per candidate). The edit distance and the
 * error costs are still the callables ranking.py hands over (rapidfuzz's, and _edit_costs.c's
 * or their Python twins), so every score is computed exactly as in Python.
 *
 * ranker(words, log_freq, weight, letter_step, any_step, distance, single_edit_cost,
 * edit_cost) keeps a lexicon's references in a capsule, once; scored(ranker, word, ids, found,
 * limit, margin, seed, nearest, least, admit) returns what Ranker.python_scored returns.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    PyObject *words; /* list of str, by word id */
    Py_buffer log_freq; /* doubles, by word id */
    double weight, letter_step, any_step;
    PyObject *distance, *single_edit_cost, *edit_cost;
    PyObject *cutoff_name; /* ("score_cutoff",): the distance's keyword */
    PyObject *cutoff; /* 2 */
} Ranker;

static const char *CAPSULE = "huleedu.ranker";

static void release(Ranker *ranker) {
    if (ranker->log_freq.obj != NULL) PyBuffer_Release(&ranker->log_freq);
    Py_XDECREF(ranker->words);
    Py_XDECREF(ranker->distance);
    Py_XDECREF(ranker->single_edit_cost);
    Py_XDECREF(ranker->edit_cost);
    Py_XDECREF(ranker->cutoff_name);
    Py_XDECREF(ranker->cutoff);
    PyMem_Free(ranker);
}

static void capsule_free(PyObject *capsule) { release(PyCapsule_GetPointer(capsule, CAPSULE)); }

static PyObject *ranker(PyObject *self, PyObject *args) {
    PyObject *words, *log_freq, *distance, *single, *full;
    double weight, letter_step, any_step;
    if (!PyArg_ParseTuple(args, "O!OdddOOO", &PyList_Type, &words, &log_freq, &weight,
                          &letter_step, &any_step, &distance, &single, &full))
        return NULL;
    Ranker *packed = PyMem_Calloc(1, sizeof(Ranker));
    if (packed == NULL) return PyErr_NoMemory();
    if (PyObject_GetBuffer(log_freq, &packed->log_freq, PyBUF_C_CONTIGUOUS) < 0) {
        PyMem_Free(packed);
        return NULL;
    }
    if (packed->log_freq.itemsize != sizeof(double) ||
        packed->log_freq.len / (Py_ssize_t)sizeof(double) != PyList_GET_SIZE(words)) {
        release(packed);
        PyErr_SetString(PyExc_ValueError, "log_freq: one double per word");
        return NULL;
    }
    packed->words = Py_NewRef(words);
    packed->weight = weight;
    packed->letter_step = letter_step;
    packed->any_step = any_step;
    packed->distance = Py_NewRef(distance);
    packed->single_edit_cost = Py_NewRef(single);
    packed->edit_cost = Py_NewRef(full);
    packed->cutoff_name = Py_BuildValue("(s)", "score_cutoff");
    packed->cutoff = PyLong_FromLong(2);
    PyObject *capsule = NULL;
    if (packed->cutoff_name != NULL && packed->cutoff != NULL)
        capsule = PyCapsule_New(packed, CAPSULE, capsule_free);
    if (capsule == NULL) release(packed);
    return capsule;
}

/* The edit distance when at most two (3 meaning more), given the index's upper bound (1
 * needs no check); -1 on an error. */
static long bounded_distance(const Ranker *r, PyObject *word, PyObject *candidate, long bound) {
    if (bound <= 1) return 1;
    PyObject *args[] = {word, candidate, r->cutoff};
    PyObject *result = PyObject_Vectorcall(r->distance, args, 2, r->cutoff_name);
    if (result == NULL) return -1;
    long distance = PyLong_AsLong(result);
    Py_DECREF(result);
    return distance;
}

static double cost_of(PyObject *function, PyObject *word, PyObject *candidate) {
    PyObject *args[] = {word, candidate};
    PyObject *result = PyObject_Vectorcall(function, args, 2, NULL);
    if (result == NULL) return -1.0;
    double cost = PyFloat_AsDouble(result);
    Py_DECREF(result);
    return cost;
}

/* Append (candidate, score) to `scored`; 0, or -1 on an error. */
static int keep(PyObject *scored, PyObject *candidate, double score) {
    PyObject *pair = Py_BuildValue("(Od)", candidate, score);
    int failed = pair == NULL || PyList_Append(scored, pair) < 0;
    Py_XDECREF(pair);
    return failed ? -1 : 0;
}

static PyObject *scored(PyObject *self, PyObject *args) {
    PyObject *capsule, *word, *ids, *found, *seed;
    long limit, nearest;
    double margin, least, admit;
    if (!PyArg_ParseTuple(args, "OUOO!ldO!ldd", &capsule, &word, &ids, &PyDict_Type, &found,
                          &limit, &margin, &PyTuple_Type, &seed, &nearest, &least, &admit))
        return NULL;
    const Ranker *r = PyCapsule_GetPointer(capsule, CAPSULE);
    if (r == NULL) return NULL;
    PyObject *sequence = PySequence_Fast(ids, "ids: a sequence of word ids");
    if (sequence == NULL) return NULL;
    PyObject *known = PyDict_New(), *out = PyList_New(0);
    int failed = known == NULL || out == NULL;
    double top = -Py_HUGE_VAL;
    for (Py_ssize_t i = 0; !failed && i < PyTuple_GET_SIZE(seed); i++) {
        PyObject *pair = PyTuple_GET_ITEM(seed, i);
        failed = PyList_Append(out, pair) < 0 ||
                 PyDict_SetItem(known, PyTuple_GET_ITEM(pair, 0), PyTuple_GET_ITEM(pair, 1)) < 0;
        if (!failed && i == 0) top = PyFloat_AsDouble(PyTuple_GET_ITEM(pair, 1));
    }
    const double *log_freq = r->log_freq.buf;
    Py_ssize_t words = PyList_GET_SIZE(r->words);
    int apostrophe = PyUnicode_FindChar(word, '\'', 0, PyUnicode_GET_LENGTH(word), 1) >= 0;
    double threshold = top - margin > admit ? top - margin : admit;
    for (Py_ssize_t i = 0; !failed && i < PySequence_Fast_GET_SIZE(sequence); i++) {
        PyObject *id = PySequence_Fast_GET_ITEM(sequence, i);
        Py_ssize_t word_id = PyLong_AsSsize_t(id);
        if (word_id < 0 || word_id >= words) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_IndexError, "word id out of range");
            failed = 1;
            break;
        }
        double frequency = log_freq[word_id];
        if (frequency - least < threshold) break; /* every later id is rarer */
        PyObject *candidate = PyList_GET_ITEM(r->words, word_id);
        int seen = PyDict_Contains(known, candidate);
        if (seen != 0) {
            failed = seen < 0;
            continue;
        }
        int quoted =
            apostrophe ||
            PyUnicode_FindChar(candidate, '\'', 0, PyUnicode_GET_LENGTH(candidate), 1) >= 0;
        double step = quoted ? r->any_step : r->letter_step;
        if (frequency - step * (double)nearest < threshold) continue;
        PyObject *bound = PyDict_GetItemWithError(found, id);
        if (bound == NULL) {
            if (!PyErr_Occurred()) PyErr_SetObject(PyExc_KeyError, id);
            failed = 1;
            break;
        }
        long distance = bounded_distance(r, word, candidate, PyLong_AsLong(bound));
        if (distance < 0 || PyErr_Occurred()) {
            failed = 1;
            break;
        }
        if (distance > limit || frequency - step * (double)distance < threshold) continue;
        double cost =
            cost_of(distance == 1 ? r->single_edit_cost : r->edit_cost, word, candidate);
        if (cost == -1.0 && PyErr_Occurred()) {
            failed = 1;
            break;
        }
        double score = frequency - r->weight * cost;
        if (score >= threshold) {
            failed = keep(out, candidate, score) < 0;
            if (score > top) top = score;
            if (score - margin > threshold) threshold = score - margin;
        }
    }
    Py_DECREF(sequence);
    Py_XDECREF(known);
    if (failed) {
        Py_XDECREF(out);
        return NULL;
    }
    return Py_BuildValue("(Nd)", out, top);
}

static PyMethodDef methods[] = {
    {"ranker", ranker, METH_VARARGS, "ranker(words, log_freq, weight, ...): a lexicon, held."},
    {"scored", scored, METH_VARARGS,
     "scored(ranker, word, ids, found, limit, margin, seed, nearest, least, admit): the "
     "candidates that reach the threshold, unsorted, and the best score."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_ranking",
    "The candidates' scoring loop in compiled code (see ranking.py).", -1, methods,
};

PyMODINIT_FUNC PyInit__ranking(void) { return PyModule_Create(&module); }
