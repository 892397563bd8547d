/* The tokenizer's scan for words in compiled code (see tokenizer.py, whose `_words_to_check`
 * does the same in Python and runs wherever this module was not built).
 *
 * Every text's words are found and all but a few dropped at once: those the corrector already
 * left alone (`skip`) and those whose lowercase form the engine knows (`known`). In Python that
 * was a regex match object per word and a comprehension over them, ~0.5 us a word and a third
 * of a Swedish essay's whole pass; here it is one loop over the text's characters.
 *
 * A word is what tokenizer.py's _WORD matches: a letter, then letters and combining accents
 * (U+0300..U+036F), then any number of an apostrophe (' or U+2019) followed by a letter and
 * more of them. A letter is what `re` calls [^\W\d_]: alphanumeric, not a decimal digit, not
 * an underscore.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static int is_letter(Py_UCS4 ch) {
    if (ch < 128) return (ch | 0x20) >= 'a' && (ch | 0x20) <= 'z';  /* most of any text */
    return Py_UNICODE_ISALNUM(ch) && !Py_UNICODE_ISDECIMAL(ch);
}

static int is_accent(Py_UCS4 ch) { return ch >= 0x0300 && ch <= 0x036F; }

static int is_apostrophe(Py_UCS4 ch) { return ch == '\'' || ch == 0x2019; }

/* 1 when the word is to be checked: not in `skip`, and its lowercase form not in `known`
 * (a word no letter of which lowercasing changes is its own lowercase form). */
static int to_check(PyObject *word, int has_capitals, PyObject *skip, PyObject *known) {
    int found = PySequence_Contains(skip, word);
    if (found != 0) return found < 0 ? -1 : 0;
    if (!has_capitals) {
        found = PySequence_Contains(known, word);
        return found < 0 ? -1 : !found;
    }
    PyObject *lower = PyObject_CallMethod(word, "lower", NULL);
    if (lower == NULL) return -1;
    found = PySequence_Contains(known, lower);
    Py_DECREF(lower);
    return found < 0 ? -1 : !found;
}

/* The end of the word starting with the letter at `at`, and whether lowercasing changes it. */
static Py_ssize_t word_end(int kind, const void *data, Py_ssize_t size, Py_ssize_t at,
                           int *has_capitals) {
    Py_ssize_t end = at;
    for (;;) {
        while (end < size) {
            Py_UCS4 ch = PyUnicode_READ(kind, data, end);
            if (!is_letter(ch) && !is_accent(ch)) break;
            if (ch < 128 ? ch >= 'A' && ch <= 'Z' : Py_UNICODE_TOLOWER(ch) != ch)
                *has_capitals = 1;
            end++;
        }
        if (end + 1 < size && is_apostrophe(PyUnicode_READ(kind, data, end)) &&
            is_letter(PyUnicode_READ(kind, data, end + 1)))
            end++;  /* the apostrophe; the letters after it in the next round */
        else
            return end;
    }
}

static PyObject *words_to_check(PyObject *self, PyObject *args) {
    PyObject *text, *skip, *known;
    if (!PyArg_ParseTuple(args, "UOO", &text, &skip, &known)) return NULL;
    PyObject *out = PyList_New(0);
    if (out == NULL) return NULL;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t size = PyUnicode_GET_LENGTH(text), at = 0, previous_end = -1;
    while (at < size) {
        if (!is_letter(PyUnicode_READ(kind, data, at))) {
            at++;
            continue;
        }
        int has_capitals = 0;
        Py_ssize_t end = word_end(kind, data, size, at, &has_capitals);
        PyObject *word = PyUnicode_Substring(text, at, end);
        int check = word == NULL ? -1 : to_check(word, has_capitals, skip, known);
        if (check > 0) {
            PyObject *item = Py_BuildValue("(Onnn)", word, at, end, previous_end);
            check = item == NULL ? -1 : PyList_Append(out, item);
            Py_XDECREF(item);
        }
        Py_XDECREF(word);
        if (check < 0) {
            Py_DECREF(out);
            return NULL;
        }
        previous_end = end;
        at = end;
    }
    return out;
}

static PyMethodDef methods[] = {
    {"words_to_check", words_to_check, METH_VARARGS,
     "words_to_check(text, skip, known): (word, start, end, previous word's end or -1) of "
     "each word not in skip whose lowercase form is not in known."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_word_scan",
    "The tokenizer's scan for words in compiled code (see tokenizer.py).", -1, methods,
};

PyMODINIT_FUNC PyInit__word_scan(void) { return PyModule_Create(&module); }
