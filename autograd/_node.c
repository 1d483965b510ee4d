/* The storage of a Value, compiled: its six fields, and the loops that only move
 * them (backward's sort and walk, a dot's parents, many Values' numbers at once).
 *
 * autograd/storage.py picks this module when it was built, and a plain class with
 * the same six __slots__ (and __weakref__) and Python loops when it was not; the methods, the
 * forwards and every derivative stay in Python (the op table), and the arithmetic
 * done here is Python's float arithmetic, so both give the same numbers bit for bit.
 *
 * What this buys: a node an op makes (with new()) is not tracked by the cycle
 * collector. A graph of Values holds no reference cycle (no closures), so reference
 * counting frees it; the collector would otherwise walk every live node, many times
 * per training step. The type still supports the collector (traverse, clear): a
 * Value a user makes by calling the class is tracked (its data or grad may be set
 * to an object that refers back to it), and `track` hands a node to it:
 * backward(create_graph=True) does that for the graphs whose grads are Values,
 * which do hold cycles. `data` holds only a float (its setter below refuses anything
 * else), so no cycle goes through it. A node an op made and a user then gave, in its
 * grad, an object referring back to it stays untracked: catching that at assignment
 * would cost every op's attribute writes (measured: 190 -> 250-280 ns per op), so the
 * collector does not see it.
 *
 * The module is initialised in phases (PEP 489): its one piece of state, the Node
 * type, is a heap type kept in the module's state, so each interpreter that imports
 * it gets its own. On a free-threaded build (3.13t) it declares Py_MOD_GIL_USED, so
 * importing it re-enables the GIL: the loops here read and write many nodes' fields
 * with no lock, as Python code on those nodes may do at the same time.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <math.h>
#include <string.h>

typedef struct {
    PyObject_HEAD
    PyObject *data;
    PyObject *grad;
    PyObject *fn;
    PyObject *a;
    PyObject *b;
    PyObject *label;
    PyObject *weakrefs;
} Node;

/* The module's state: the Node type it made (a heap type, one per module object), and
 * the size of the collector's header before each object (see "Uncounted nodes"). */
typedef struct {
    PyTypeObject *node_type;
    Py_ssize_t header;
    PyObject *zero;  /* the float 0.0 every made node's grad starts as */
} State;

static State *
state_of(PyObject *module)
{
    return (State *)PyModule_GetState(module);
}

static int
node_traverse(Node *self, visitproc visit, void *arg)
{
    /* a heap type's instance holds its type (a subclass's subtype_traverse leaves
     * that visit to its heap base, this one) */
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->data);
    Py_VISIT(self->grad);
    Py_VISIT(self->fn);
    Py_VISIT(self->a);
    Py_VISIT(self->b);
    Py_VISIT(self->label);
    return 0;
}

static int
node_clear(Node *self)
{
    Py_CLEAR(self->data);
    Py_CLEAR(self->grad);
    Py_CLEAR(self->fn);
    Py_CLEAR(self->a);
    Py_CLEAR(self->b);
    Py_CLEAR(self->label);
    return 0;
}

/* -- Uncounted nodes ----------------------------------------------------------------
 * CPython counts every allocation of an object with a collector header toward its next
 * young collection, tracked or not: a training step's 11,000 untracked nodes set off
 * 15 collections, each walking the young objects and every tenth or so the whole heap.
 * So new() allocates a node as tp_alloc does (the same allocator, the header zeroed,
 * which is "untracked") without counting it. Freeing it goes the usual way
 * (PyObject_GC_Del), which takes one off the count, as for any object. Only for classes
 * with a Node's own layout (Value); the header's size is read at import, as
 * sys.getsizeof(node) - node.__sizeof__(), and where it is not two pointers (a
 * free-threaded build) every node comes from tp_alloc. */

#ifndef Py_TPFLAGS_MANAGED_DICT  /* before 3.11 */
#define Py_TPFLAGS_MANAGED_DICT 0
#endif
#ifndef Py_TPFLAGS_MANAGED_WEAKREF  /* before 3.12 */
#define Py_TPFLAGS_MANAGED_WEAKREF 0
#endif

/* True when instances of `type` have exactly a Node's layout, allocated as CPython's
 * generic allocator does. */
static int
plain_layout(PyTypeObject *type)
{
    return type->tp_basicsize == (Py_ssize_t)sizeof(Node) && type->tp_itemsize == 0
           && type->tp_dictoffset == 0 && type->tp_alloc == PyType_GenericAlloc
           && type->tp_free == PyObject_GC_Del
           && !(type->tp_flags & (Py_TPFLAGS_MANAGED_DICT | Py_TPFLAGS_MANAGED_WEAKREF));
}

/* The collector header's size before a Node, or 0 where it is not the usual two pointers. */
static Py_ssize_t
header_size(PyTypeObject *node_type)
{
#ifdef Py_GIL_DISABLED
    (void)node_type;
    return 0;
#else
    PyObject *node = node_type->tp_alloc(node_type, 0);
    PyObject *getsizeof = PySys_GetObject("getsizeof");  /* borrowed */
    Py_ssize_t header = 0;
    if (node != NULL && getsizeof != NULL) {
        PyObject *whole = PyObject_CallOneArg(getsizeof, node);
        PyObject *own = PyObject_CallMethod(node, "__sizeof__", NULL);
        if (whole != NULL && own != NULL) {
            header = PyLong_AsSsize_t(whole) - PyLong_AsSsize_t(own);
        }
        Py_XDECREF(whole);
        Py_XDECREF(own);
    }
    Py_XDECREF(node);
    PyErr_Clear();
    return header == 2 * (Py_ssize_t)sizeof(void *) ? header : 0;
#endif
}

/* A node of `type`, zeroed and untracked, allocated without counting toward a collection. */
static PyObject *
uncounted(PyTypeObject *type, Py_ssize_t header)
{
    size_t size = (size_t)(header + type->tp_basicsize);
    char *memory = PyObject_Malloc(size);
    if (memory == NULL) {
        return PyErr_NoMemory();
    }
    memset(memory, 0, size);
    PyObject *self = (PyObject *)(memory + header);
    PyObject_Init(self, type);  /* its type, a count of 1, and (a heap type) a reference to it */
    return self;
}

static void
node_dealloc(Node *self)
{
    /* A subclass's dealloc (CPython's subtype_dealloc) runs first, inside its own
     * trashcan; this one does the same for Nodes made directly: freeing a long chain
     * of nodes never recurses deeply. */
    PyTypeObject *type = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    Py_TRASHCAN_BEGIN(self, node_dealloc)
    if (self->weakrefs != NULL) {
        PyObject_ClearWeakRefs((PyObject *)self);
    }
    node_clear(self);
    type->tp_free((PyObject *)self);
    Py_DECREF(type);  /* the reference each instance of a heap type holds */
    Py_TRASHCAN_END
}

static PyObject *
untracked(PyTypeObject *type)
{
    PyObject *self = type->tp_alloc(type, 0);
    if (self != NULL) {
        PyObject_GC_UnTrack(self);
    }
    return self;
}

/* A node made by calling its class (Value(2.0), a copy, an unpickled one) is left
 * tracked: it is a user's own, and a user may store in its data or grad an object
 * that refers back to it (v.grad = h; h.v = v), a cycle only the collector frees.
 * The nodes ops make come from new() instead, untracked. */
static PyObject *
node_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    return type->tp_alloc(type, 0);
}

static PyObject *
new_node(PyObject *module, PyObject *cls)
{
    if (!PyType_Check(cls) || !PyType_IsSubtype((PyTypeObject *)cls, state_of(module)->node_type)) {
        PyErr_Format(PyExc_TypeError, "new() takes a subclass of Node, got %R", cls);
        return NULL;
    }
    Py_ssize_t header = state_of(module)->header;
    if (header > 0 && plain_layout((PyTypeObject *)cls)) {
        return uncounted((PyTypeObject *)cls, header);
    }
    return untracked((PyTypeObject *)cls);
}

/* made(cls, data, fn, a, b): the node an op made, out of the collector as new()'s are,
 * holding the float `data`, a grad of 0.0, its op `fn` and parents `a` and `b` (None
 * where there are none); None, and nothing made, when `data` is not a finite float,
 * for the op's general path to explain. One call in place of five field writes. */
static PyObject *
made_node(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5) {
        PyErr_Format(PyExc_TypeError, "made() takes 5 arguments (%zd given)", nargs);
        return NULL;
    }
    PyObject *data = args[1];
    if (!PyFloat_CheckExact(data) || !isfinite(PyFloat_AS_DOUBLE(data))) {
        Py_RETURN_NONE;
    }
    Node *node = (Node *)new_node(module, args[0]);
    if (node == NULL) {
        return NULL;
    }
    node->data = Py_NewRef(data);
    node->grad = Py_NewRef(state_of(module)->zero);
    node->fn = Py_NewRef(args[2]);
    node->a = Py_NewRef(args[3]);
    node->b = Py_NewRef(args[4]);
    return (PyObject *)node;
}

static PyObject *
track(PyObject *module, PyObject *node)
{
    if (!PyObject_TypeCheck(node, state_of(module)->node_type)) {
        PyErr_Format(PyExc_TypeError, "track() takes a Node, got %R", Py_TYPE(node));
        return NULL;
    }
    if (!PyObject_GC_IsTracked(node)) {
        PyObject_GC_Track(node);
    }
    Py_RETURN_NONE;
}

/* A growing array of strong references: the walk's stack. */
typedef struct {
    PyObject **items;
    Py_ssize_t size, capacity;
} Stack;

static int
stack_push(Stack *stack, PyObject *item)
{
    if (stack->size == stack->capacity) {
        Py_ssize_t capacity = stack->capacity ? 2 * stack->capacity : 1024;
        PyObject **items = PyMem_Realloc(stack->items, capacity * sizeof(PyObject *));
        if (items == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        stack->items = items;
        stack->capacity = capacity;
    }
    Py_XINCREF(item);
    stack->items[stack->size++] = item;
    return 0;
}

static void
stack_free(Stack *stack)
{
    while (stack->size > 0) {
        PyObject *item = stack->items[--stack->size];
        Py_XDECREF(item);
    }
    PyMem_Free(stack->items);
}

/* Push a parent that an op made and the walk has not reached, or file a leaf. */
static int
visit_parent(PyObject *parent, PyObject *zero, PyObject *leaves, Stack *stack,
             PyTypeObject *node_type)
{
    if (!PyObject_TypeCheck(parent, node_type)) {  /* Python's walk reads its _a */
        PyErr_Format(PyExc_AttributeError, "'%.100s' object has no attribute '_a'",
                     Py_TYPE(parent)->tp_name);
        return -1;
    }
    Node *node = (Node *)parent;
    if (node->a == NULL || node->grad == NULL) {
        PyErr_Format(PyExc_AttributeError, "'%.100s' object has no attribute '%s'",
                     Py_TYPE(parent)->tp_name, node->a == NULL ? "_a" : "grad");
        return -1;
    }
    if (node->a == Py_None) {
        return PySet_Add(leaves, parent);
    }
    if (node->grad != zero) {
        return stack_push(stack, parent);
    }
    return 0;
}

/* autograd.backward.inner_order_in_python, the same walk step for step (see its docstring). */
static PyObject *
inner_order(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyTypeObject *node_type = state_of(module)->node_type;
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "inner_order(root, zero, many)");
        return NULL;
    }
    PyObject *root = args[0], *zero = args[1], *many = args[2];
    if (!PyObject_TypeCheck(root, node_type)) {
        PyErr_Format(PyExc_TypeError, "inner_order() takes a Value, got %R", Py_TYPE(root));
        return NULL;
    }
    PyObject *order = PyList_New(0);
    PyObject *leaves = PySet_New(NULL);
    Stack stack = {NULL, 0, 0};
    if (order == NULL || leaves == NULL || stack_push(&stack, root) < 0) {
        goto error;
    }
    while (stack.size > 0) {
        PyObject *item = stack.items[--stack.size];  /* the stack's reference, now ours */
        if (item == NULL) {  /* the marker: everything above this node is done */
            PyObject *done = stack.items[--stack.size];
            int failed = PyList_Append(order, done);
            Py_DECREF(done);
            if (failed) {
                goto error;
            }
            continue;
        }
        Node *node = (Node *)item;
        if (node->grad == NULL || node->a == NULL || node->b == NULL) {
            PyErr_Format(PyExc_AttributeError, "'%.100s' object has no attribute '%s'",
                         Py_TYPE(item)->tp_name,
                         node->grad == NULL ? "grad" : node->a == NULL ? "_a" : "_b");
            Py_DECREF(item);
            goto error;
        }
        if (node->grad == zero) {
            Py_DECREF(item);
            continue;
        }
        Py_INCREF(zero);
        Py_XSETREF(node->grad, zero);
        /* the node's reference moves back onto the stack, under its marker */
        stack.items[stack.size++] = item;
        if (stack_push(&stack, NULL) < 0) {
            goto error;
        }
        PyObject *a = node->a, *b = node->b;
        if (b == many) {
            PyObject *seq = PySequence_Fast(a, "an n-ary node's parents are not a sequence");
            if (seq == NULL) {
                goto error;
            }
            for (Py_ssize_t i = PySequence_Fast_GET_SIZE(seq) - 1; i >= 0; i--) {
                if (visit_parent(PySequence_Fast_GET_ITEM(seq, i), zero, leaves, &stack,
                                 node_type) < 0) {
                    Py_DECREF(seq);
                    goto error;
                }
            }
            Py_DECREF(seq);
        }
        else {
            if (b != Py_None && visit_parent(b, zero, leaves, &stack, node_type) < 0) {
                goto error;
            }
            if (visit_parent(a, zero, leaves, &stack, node_type) < 0) {
                goto error;
            }
        }
    }
    stack_free(&stack);
    PyObject *result = PyTuple_Pack(2, order, leaves);
    Py_DECREF(order);
    Py_DECREF(leaves);
    return result;

error:
    stack_free(&stack);
    Py_XDECREF(order);
    Py_XDECREF(leaves);
    return NULL;
}

/* -- backward's walk, for the nodes whose numbers are floats ----------------------- */

/* 1 if the exception raised is one backward explains (it reruns the node in Python
 * to say which), 0 if it is another (out of memory, an interrupt), to pass on. */
static int
explained_error(void)
{
    if (PyErr_ExceptionMatches(PyExc_ArithmeticError) || PyErr_ExceptionMatches(PyExc_ValueError)
        || PyErr_ExceptionMatches(PyExc_TypeError)) {
        PyErr_Clear();
        return 1;
    }
    return 0;
}

/* A grad as a double: a float, or an int (micrograd's and microgpt's zero_grad write
 * `p.grad = 0`) that fits a C long, which converts exactly as Python's int + float
 * converts it. 0 for anything else: the walk leaves that node to Python. */
static int
grad_number(PyObject *grad, double *out)
{
    if (grad != NULL && PyFloat_CheckExact(grad)) {
        *out = PyFloat_AS_DOUBLE(grad);
        return 1;
    }
    if (grad != NULL && PyLong_CheckExact(grad)) {
        int overflow;
        long value = PyLong_AsLongAndOverflow(grad, &overflow);
        if (overflow == 0 && !(value == -1 && PyErr_Occurred())) {
            *out = (double)value;
            return 1;
        }
        PyErr_Clear();
    }
    return 0;
}

/* parent.grad += local * g, as Python's float operators do it: a product rounded,
 * then a sum rounded (volatile keeps a compiler from fusing the two into one FMA). */
static int
add_share(Node *parent, double local, double g)
{
    volatile double share = local * g;
    double grad = 0.0;
    grad_number(parent->grad, &grad);  /* checked by is_float_node before */
    PyObject *sum = PyFloat_FromDouble(grad + share);
    if (sum == NULL) {
        return -1;
    }
    Py_SETREF(parent->grad, sum);
    return 0;
}

static int
is_float_node(PyObject *x, PyTypeObject *node_type)
{
    double grad;
    return PyObject_TypeCheck(x, node_type) && ((Node *)x)->data != NULL
           && PyFloat_CheckExact(((Node *)x)->data) && grad_number(((Node *)x)->grad, &grad);
}

/* The local derivatives of `node` from its op's rule (a new reference to a tuple or
 * list of `count` floats), or NULL with no error set: left to Python's loop. */
static PyObject *
rule_locals(Node *node, PyObject *const *inputs, Py_ssize_t count, PyObject *rule)
{
    PyObject *stack_args[17];
    PyObject **argv = stack_args;
    if (count + 1 > 17) {
        argv = PyMem_Malloc((count + 1) * sizeof(PyObject *));
        if (argv == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
    }
    argv[0] = node->data;
    for (Py_ssize_t i = 0; i < count; i++) {
        argv[i + 1] = ((Node *)inputs[i])->data;
    }
    PyObject *locals = PyObject_Vectorcall(rule, argv, count + 1, NULL);
    if (argv != stack_args) {
        PyMem_Free(argv);
    }
    if (locals == NULL) {
        return NULL;  /* the error is set: the caller sorts it */
    }
    PyObject *const *items;
    Py_ssize_t size;
    if (PyTuple_CheckExact(locals)) {
        items = &PyTuple_GET_ITEM(locals, 0);
        size = PyTuple_GET_SIZE(locals);
    }
    else if (PyList_CheckExact(locals)) {
        items = (PyObject *const *)&PyList_GET_ITEM(locals, 0);
        size = PyList_GET_SIZE(locals);
    }
    else {
        Py_DECREF(locals);
        return NULL;
    }
    int floats = size == count;
    for (Py_ssize_t i = 0; floats && i < size; i++) {
        floats = PyFloat_CheckExact(items[i]);
    }
    if (!floats) {
        Py_DECREF(locals);
        return NULL;
    }
    return locals;
}

/* What the walk reads, once per backward; the rules of the first RULES_KEPT ops it
 * meets are read once too (a graph has a handful of ops, met thousands of times). */
#define RULES_KEPT 16
typedef struct {
    PyTypeObject *node_type;
    PyObject *forms, *partners, *many;
    PyObject *grads_name, *builtin_name;  /* "grads", "builtin" */
    PyObject *ops[RULES_KEPT], *rules[RULES_KEPT];  /* an op, and its rule or None */
    int kept;
} Walk;

/* The local-derivative rule of `fn` (a new reference) when it is a built-in op of the
 * table, a pure rule, safe to run here; else NULL, no error set: a user op's rule is
 * left to Python's loop, so it runs once per node, as it would there. */
static PyObject *
builtin_rule(PyObject *fn, Walk *walk)
{
    for (int i = 0; i < walk->kept; i++) {
        if (walk->ops[i] == fn) {
            PyObject *rule = walk->rules[i] == Py_None ? NULL : walk->rules[i];
            Py_XINCREF(rule);
            return rule;
        }
    }
    PyObject *rule = NULL;
    PyObject *flag = PyObject_GetAttr(fn, walk->builtin_name);
    if (flag == Py_True) {
        rule = PyObject_GetAttr(fn, walk->grads_name);
    }
    Py_XDECREF(flag);
    if (rule == NULL) {
        PyErr_Clear();
    }
    if (walk->kept < RULES_KEPT) {
        Py_INCREF(fn);
        walk->ops[walk->kept] = fn;
        walk->rules[walk->kept++] = rule != NULL ? Py_NewRef(rule) : Py_NewRef(Py_None);
    }
    return rule;
}

static void
walk_free(Walk *walk)
{
    Py_XDECREF(walk->grads_name);
    Py_XDECREF(walk->builtin_name);
    for (int i = 0; i < walk->kept; i++) {
        Py_DECREF(walk->ops[i]);
        Py_DECREF(walk->rules[i]);
    }
}

/* A form of one or two floats (a tuple) into `out`: how many; 0 for any other form. */
static Py_ssize_t
floats_of(PyObject *form, double out[2])
{
    if (form == NULL || !PyTuple_CheckExact(form)) {
        return 0;
    }
    Py_ssize_t size = PyTuple_GET_SIZE(form);
    if (size < 1 || size > 2) {
        return 0;
    }
    for (Py_ssize_t i = 0; i < size; i++) {
        PyObject *item = PyTuple_GET_ITEM(form, i);
        if (!PyFloat_CheckExact(item)) {
            return 0;
        }
        out[i] = PyFloat_AS_DOUBLE(item);
    }
    return size;
}

/* One node's chain rule. 1: done; 0: nothing done, left to Python; -1: an error. */
static int
walk_node(Node *node, double g, Walk *walk)
{
    PyObject *forms = walk->forms, *partners = walk->partners, *many = walk->many;
    PyObject *a = node->a, *b = node->b, *fn = node->fn;
    if (a == NULL || b == NULL || fn == NULL || node->data == NULL) {
        return 0;
    }
    PyObject *pair[2] = {a, b};
    PyObject *const *parents = pair;
    Py_ssize_t count;
    if (b == many) {
        if (!PyTuple_CheckExact(a)) {
            return 0;
        }
        parents = &PyTuple_GET_ITEM(a, 0);
        count = PyTuple_GET_SIZE(a);
    }
    else {
        count = b == Py_None ? 1 : 2;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        if (!is_float_node(parents[i], walk->node_type)) {
            return 0;
        }
    }
    double local[2];
    if (b != many) {  /* one or two inputs: the forms read from the table once */
        PyObject *form = PyDict_GetItemWithError(forms, fn);
        if (form == NULL && PyErr_Occurred()) {
            return explained_error() ? 0 : -1;
        }
        Py_ssize_t size = floats_of(form, local);
        if (count == 1 && size > 0) {  /* neg's -1.0; relu's 1.0 above 0 and 0.0 elsewhere */
            int above = size == 1 || PyFloat_AS_DOUBLE(((Node *)a)->data) > 0.0;
            return add_share((Node *)a, local[above ? 0 : 1], g) < 0 ? -1 : 1;
        }
        if (count == 2 && (form == partners || size == 2)) {  /* mul's; add's and sub's */
            if (form == partners) {
                local[0] = PyFloat_AS_DOUBLE(((Node *)b)->data);
                local[1] = PyFloat_AS_DOUBLE(((Node *)a)->data);
            }
            if (add_share((Node *)a, local[0], g) < 0 || add_share((Node *)b, local[1], g) < 0) {
                return -1;
            }
            return 1;
        }
    }
    PyObject *rule = builtin_rule(fn, walk);
    if (rule == NULL) {
        return 0;
    }
    Py_INCREF(a);  /* the rule is Python code: held, whatever it does to the node */
    Py_INCREF(b);
    Py_INCREF(fn);
    PyObject *locals = rule_locals(node, parents, count, rule);
    Py_DECREF(rule);
    int status = 1;
    if (locals == NULL) {
        status = PyErr_Occurred() && !explained_error() ? -1 : 0;
    }
    for (Py_ssize_t i = 0; status == 1 && i < count; i++) {
        if (!is_float_node(parents[i], walk->node_type)) {  /* changed meanwhile: Python's loop sorts it */
            status = 0;
        }
    }
    if (status == 1) {  /* from here on no Python code runs: each parent gets its share */
        PyObject *const *items = PyTuple_CheckExact(locals)
                                     ? &PyTuple_GET_ITEM(locals, 0)
                                     : (PyObject *const *)&PyList_GET_ITEM(locals, 0);
        for (Py_ssize_t i = 0; i < count; i++) {
            if (add_share((Node *)parents[i], PyFloat_AS_DOUBLE(items[i]), g) < 0) {
                status = -1;
                break;
            }
        }
    }
    Py_XDECREF(locals);
    Py_DECREF(a);
    Py_DECREF(b);
    Py_DECREF(fn);
    return status;
}

/* backward's loop (autograd.backward.backward_pass), compiled for the common case:
 * from the end of `order` back, each node's grad times its local derivatives
 * (the op table's rules, or the forms backward reads from them once) added to its
 * parents' grads. It stops at the first node whose numbers are not all floats, whose
 * grad is not finite, or whose rule fails, and returns how many nodes are left:
 * Python's loop goes on from there, with the same arithmetic and its messages. */
static PyObject *
walk_back(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4 || !PyList_CheckExact(args[0]) || !PyDict_CheckExact(args[1])) {
        PyErr_SetString(PyExc_TypeError, "walk_back(order: list, forms: dict, partners, many)");
        return NULL;
    }
    PyObject *order = args[0];
    Walk walk = {state_of(module)->node_type, args[1], args[2], args[3],
                 PyUnicode_InternFromString("grads"),
                 PyUnicode_InternFromString("builtin"), {NULL}, {NULL}, 0};
    if (walk.grads_name == NULL || walk.builtin_name == NULL) {
        walk_free(&walk);
        return NULL;
    }
    Py_ssize_t left = PyList_GET_SIZE(order);
    while (left > 0 && left <= PyList_GET_SIZE(order)) {  /* a rule could shrink it */
        PyObject *item = PyList_GET_ITEM(order, left - 1);
        if (!PyObject_TypeCheck(item, walk.node_type)) {
            break;
        }
        Node *node = (Node *)item;
        if (node->grad == NULL || !PyFloat_CheckExact(node->grad)) {
            break;
        }
        double g = PyFloat_AS_DOUBLE(node->grad);
        if (g != 0.0) {
            if (!isfinite(g)) {
                break;
            }
            Py_INCREF(item);  /* a rule could drop the list's reference */
            int done = walk_node(node, g, &walk);
            Py_DECREF(item);
            if (done < 0) {
                walk_free(&walk);
                return NULL;
            }
            if (done == 0) {
                break;
            }
        }
        left--;
    }
    walk_free(&walk);
    return PyLong_FromSsize_t(left);
}

/* -- a neuron's dot ---------------------------------------------------------------- */

/* (w1, x1, w2, x2, ...) and [w1.data * x1.data, ...], for dot_of_values: the parents
 * of a dot node and the products its forward sums (autograd.graph.dot_parents in Python, the same
 * in Python). A weight or input that is not a Value with a float raises AttributeError. */
static PyObject *
dot_inputs(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyTypeObject *node_type = state_of(module)->node_type;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "dot_inputs(weights, inputs)");
        return NULL;
    }
    PyObject *weights = PySequence_Fast(args[0], "dot_inputs: weights are not a sequence");
    PyObject *inputs = PySequence_Fast(args[1], "dot_inputs: inputs are not a sequence");
    PyObject *pairs = NULL, *products = NULL;
    if (weights == NULL || inputs == NULL) {
        goto error;
    }
    Py_ssize_t count = PySequence_Fast_GET_SIZE(weights);
    if (PySequence_Fast_GET_SIZE(inputs) != count) {
        PyErr_SetString(PyExc_ValueError, "dot_inputs: as many weights as inputs");
        goto error;
    }
    pairs = PyTuple_New(2 * count);
    products = PyList_New(count);
    if (pairs == NULL || products == NULL) {
        goto error;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *w = PySequence_Fast_GET_ITEM(weights, i);
        PyObject *x = PySequence_Fast_GET_ITEM(inputs, i);
        if (!PyObject_TypeCheck(w, node_type) || !PyObject_TypeCheck(x, node_type)
            || ((Node *)w)->data == NULL || !PyFloat_CheckExact(((Node *)w)->data)
            || ((Node *)x)->data == NULL || !PyFloat_CheckExact(((Node *)x)->data)) {
            PyErr_SetString(PyExc_AttributeError, "dot_inputs: not a Value holding a float");
            goto error;
        }
        PyObject *product = PyFloat_FromDouble(PyFloat_AS_DOUBLE(((Node *)w)->data)
                                               * PyFloat_AS_DOUBLE(((Node *)x)->data));
        if (product == NULL) {
            goto error;
        }
        PyList_SET_ITEM(products, i, product);
        Py_INCREF(w);
        Py_INCREF(x);
        PyTuple_SET_ITEM(pairs, 2 * i, w);
        PyTuple_SET_ITEM(pairs, 2 * i + 1, x);
    }
    Py_DECREF(weights);
    Py_DECREF(inputs);
    PyObject *result = PyTuple_Pack(2, pairs, products);
    Py_DECREF(pairs);
    Py_DECREF(products);
    return result;

error:
    Py_XDECREF(weights);
    Py_XDECREF(inputs);
    Py_XDECREF(pairs);
    Py_XDECREF(products);
    return NULL;
}

/* -- many Values' numbers at once, for the replay and the optimizers --------------- */

/* A C-contiguous float64 buffer of exactly `count` numbers, or -1 with an error. */
static int
float_buffer(PyObject *array, Py_ssize_t count, int writable, Py_buffer *view)
{
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(array, view, flags) < 0) {
        return -1;
    }
    if (view->itemsize != sizeof(double) || view->format == NULL
        || strcmp(view->format, "d") != 0 || view->len != count * (Py_ssize_t)sizeof(double)) {
        PyBuffer_Release(view);
        PyErr_Format(PyExc_TypeError, "expected %zd float64 numbers in one block", count);
        return -1;
    }
    return 0;
}

static PyObject **
field_of(Node *node, int grad)
{
    return grad ? &node->grad : &node->data;
}

/* Whether `item` is a Node (a Value: a subclass, whose check walks its bases). `*known`
 * is the last type found to be one, so a list of Values walks them once, not per item. */
static int
is_node(PyObject *item, PyTypeObject *node_type, PyTypeObject **known)
{
    if (Py_TYPE(item) == *known) {
        return 1;
    }
    if (!PyObject_TypeCheck(item, node_type)) {
        return 0;
    }
    *known = Py_TYPE(item);
    return 1;
}

/* read_numbers(values, grad, out): each Value's data (or grad) into the float64 array
 * out. True when done; False, with out half written and no Value touched, when one
 * is not a Value or holds something other than a float or an int: the caller reads
 * them the Python way, which converts or explains. */
static PyObject *
read_numbers(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyTypeObject *node_type = state_of(module)->node_type;
    if (nargs != 3 || !PyList_CheckExact(args[0])) {
        PyErr_SetString(PyExc_TypeError, "read_numbers(values: list, grad: bool, out)");
        return NULL;
    }
    PyObject *values = args[0];
    int grad = PyObject_IsTrue(args[1]);
    Py_ssize_t count = PyList_GET_SIZE(values);
    Py_buffer view;
    if (grad < 0 || float_buffer(args[2], count, 1, &view) < 0) {
        return NULL;
    }
    double *out = view.buf;
    int done = 1;
    PyTypeObject *known = node_type;
    for (Py_ssize_t i = 0; i < count && done; i++) {
        PyObject *item = PyList_GET_ITEM(values, i);
        done = is_node(item, node_type, &known)
               && grad_number(*field_of((Node *)item, grad), &out[i]);
    }
    PyBuffer_Release(&view);
    return PyBool_FromLong(done);
}

/* `number` into a Value's field. A float that only this field holds (its one reference,
 * so nothing else can see it change) takes the number in place: a training step writes
 * hundreds of data and grads, and making a new float for each and freeing the old one
 * was most of the time they took. */
static int
store_number(PyObject **field, double number)
{
    PyObject *held = *field;
    if (held != NULL && PyFloat_CheckExact(held) && Py_REFCNT(held) == 1) {
        ((PyFloatObject *)held)->ob_fval = number;
        return 0;
    }
    PyObject *boxed = PyFloat_FromDouble(number);
    if (boxed == NULL) {
        return -1;
    }
    Py_XSETREF(*field, boxed);
    return 0;
}

/* write_numbers(values, grad, numbers, add): each Value's data (or grad) set to the
 * float of numbers[i] (or to the one float numbers, for all), or (add) to its
 * number + numbers[i], as Python's `+=` on a
 * float or an int does. True when done; False, with no Value touched, when one is not
 * a Value, or (add) holds neither a float nor an int: the caller goes the Python way. */
static PyObject *
write_numbers(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyTypeObject *node_type = state_of(module)->node_type;
    if (nargs != 4 || !PyList_CheckExact(args[0])) {
        PyErr_SetString(PyExc_TypeError, "write_numbers(values: list, grad, numbers, add)");
        return NULL;
    }
    PyObject *values = args[0];
    int grad = PyObject_IsTrue(args[1]), add = PyObject_IsTrue(args[3]);
    Py_ssize_t count = PyList_GET_SIZE(values);
    PyTypeObject *known = node_type;
    if (grad < 0 || add < 0) {
        return NULL;
    }
    if (PyFloat_CheckExact(args[2]) && !add) {  /* one float for all, as p.grad = 0.0 */
        for (Py_ssize_t i = 0; i < count; i++) {
            if (!is_node(PyList_GET_ITEM(values, i), node_type, &known)) {
                Py_RETURN_FALSE;
            }
        }
        double number = PyFloat_AS_DOUBLE(args[2]);
        for (Py_ssize_t i = 0; i < count; i++) {
            if (store_number(field_of((Node *)PyList_GET_ITEM(values, i), grad), number) < 0) {
                return NULL;
            }
        }
        Py_RETURN_TRUE;
    }
    Py_buffer view;
    if (float_buffer(args[2], count, 0, &view) < 0) {
        return NULL;
    }
    const double *numbers = view.buf;
    double held = 0.0;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *item = PyList_GET_ITEM(values, i);
        if (!is_node(item, node_type, &known)
            || (add && !grad_number(*field_of((Node *)item, grad), &held))) {
            PyBuffer_Release(&view);
            Py_RETURN_FALSE;
        }
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject **field = field_of((Node *)PyList_GET_ITEM(values, i), grad);
        double number = numbers[i];
        if (add) {
            grad_number(*field, &held);  /* a repeated Value: its sum so far */
            number = held + number;
        }
        if (store_number(field, number) < 0) {
            PyBuffer_Release(&view);
            return NULL;
        }
    }
    PyBuffer_Release(&view);
    Py_RETURN_TRUE;
}

/* data and grad, as a user reads and sets them. data: a finite float is stored as it
 * is, anything else goes to the Value's _checked_data (autograd/storage.py), which
 * converts a real number or names what is wrong with it. grad: a float is stored as it
 * is, anything else goes to _checked_grad (autograd/backward.py), which keeps a number,
 * hands a Value and the node to the cycle collector, and refuses any other object (a
 * cycle through it would pass nodes the collector does not see). The loops here write
 * the fields themselves, and Python's ops write them through _data and _grad. */
typedef struct {
    const char *name, *checker;
    int finite;  /* a float must be finite to be stored as it is */
} Field;

static const Field DATA = {"data", "_checked_data", 1};
static const Field GRAD = {"grad", "_checked_grad", 0};

static PyObject *
node_get_field(Node *self, void *closure)
{
    const Field *field = closure;
    PyObject *value = *field_of(self, field == &GRAD);
    if (value == NULL) {
        PyErr_Format(PyExc_AttributeError, "'%.100s' object has no attribute '%s'",
                     Py_TYPE(self)->tp_name, field->name);
        return NULL;
    }
    return Py_NewRef(value);
}

static int
node_set_field(Node *self, PyObject *value, void *closure)
{
    const Field *field = closure;
    if (value != NULL && PyFloat_CheckExact(value)
        && (!field->finite || isfinite(PyFloat_AS_DOUBLE(value)))) {
        Py_INCREF(value);
    }
    else {
        value = PyObject_CallMethod((PyObject *)self, field->checker, "O",
                                    value == NULL ? Py_None : value);
        if (value == NULL) {
            return -1;
        }
    }
    Py_XSETREF(*field_of(self, field == &GRAD), value);
    return 0;
}

static PyGetSetDef node_getset[] = {
    {"data", (getter)node_get_field, (setter)node_set_field, NULL, (void *)&DATA},
    {"grad", (getter)node_get_field, (setter)node_set_field, NULL, (void *)&GRAD},
    {NULL, NULL, NULL, NULL, NULL},
};

/* pickle and copy: (copyreg.__newobj__, (type,), the Value's __getstate__()), the
 * same for every protocol; without it protocols 0 and 1 would go through
 * copyreg._reduce_ex, which cannot rebuild an instance of a C base. */
static PyObject *
node_reduce(PyObject *self, PyObject *unused)
{
    (void)unused;
    PyObject *copyreg = PyImport_ImportModule("copyreg");
    if (copyreg == NULL) {
        return NULL;
    }
    PyObject *newobj = PyObject_GetAttrString(copyreg, "__newobj__");
    Py_DECREF(copyreg);
    if (newobj == NULL) {
        return NULL;
    }
    PyObject *state = PyObject_CallMethod(self, "__getstate__", NULL);
    if (state == NULL) {
        Py_DECREF(newobj);
        return NULL;
    }
    return Py_BuildValue("(N(O)N)", newobj, (PyObject *)Py_TYPE(self), state);
}

static PyMethodDef node_methods[] = {
    {"__reduce__", node_reduce, METH_NOARGS,
     PyDoc_STR("For pickle and copy: a new instance of the type, then __setstate__.")},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef node_members[] = {
    {"_data", T_OBJECT_EX, offsetof(Node, data), 0, NULL},
    {"_grad", T_OBJECT_EX, offsetof(Node, grad), 0, NULL},
    {"_fn", T_OBJECT_EX, offsetof(Node, fn), 0, NULL},
    {"_a", T_OBJECT_EX, offsetof(Node, a), 0, NULL},
    {"_b", T_OBJECT_EX, offsetof(Node, b), 0, NULL},
    {"_label", T_OBJECT_EX, offsetof(Node, label), 0, NULL},
    {"__weaklistoffset__", T_PYSSIZET, offsetof(Node, weakrefs), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyType_Slot node_slots[] = {
    {Py_tp_doc, (void *)PyDoc_STR("A Value's fields; the nodes ops make are kept out of the cycle collector.")},
    {Py_tp_new, node_new},
    {Py_tp_dealloc, node_dealloc},
    {Py_tp_traverse, node_traverse},
    {Py_tp_clear, node_clear},
    {Py_tp_members, node_members},
    {Py_tp_getset, node_getset},
    {Py_tp_methods, node_methods},
    {0, NULL},
};

static PyType_Spec node_spec = {
    .name = "autograd._node.Node",
    .basicsize = sizeof(Node),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .slots = node_slots,
};

static PyMethodDef module_methods[] = {
    {"new", new_node, METH_O,
     PyDoc_STR("new(cls): an empty instance of cls, a subclass of Node, left untracked.")},
    {"made", (PyCFunction)(void (*)(void))made_node, METH_FASTCALL,
     PyDoc_STR("made(cls, data, fn, a, b): an op's node, untracked and uncounted, or None "
               "when data is not a finite float.")},
    {"track", track, METH_O,
     PyDoc_STR("track(node): hand node to the cycle collector (for graphs with cycles).")},
    {"inner_order", (PyCFunction)(void (*)(void))inner_order, METH_FASTCALL,
     PyDoc_STR("inner_order(root, zero, many): autograd.backward.inner_order_in_python, compiled.")},
    {"walk_back", (PyCFunction)(void (*)(void))walk_back, METH_FASTCALL,
     PyDoc_STR("walk_back(order, forms, partners, many): backward's loop over floats, "
               "compiled; returns how many nodes of order are left for Python's.")},
    {"dot_inputs", (PyCFunction)(void (*)(void))dot_inputs, METH_FASTCALL,
     PyDoc_STR("dot_inputs(weights, inputs): a dot node's parents, interleaved, and the "
               "products its forward sums.")},
    {"read_numbers", (PyCFunction)(void (*)(void))read_numbers, METH_FASTCALL,
     PyDoc_STR("read_numbers(values, grad, out): Values' data or grads into a float64 array.")},
    {"write_numbers", (PyCFunction)(void (*)(void))write_numbers, METH_FASTCALL,
     PyDoc_STR("write_numbers(values, grad, numbers, add): set or add to Values' data or "
               "grads from a float64 array.")},
    {NULL, NULL, 0, NULL},
};

static int
module_exec(PyObject *module)
{
    State *state = state_of(module);
    state->node_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &node_spec, NULL);
    if (state->node_type == NULL) {
        return -1;
    }
    state->header = header_size(state->node_type);
    state->zero = PyFloat_FromDouble(0.0);
    if (state->zero == NULL) {
        return -1;
    }
    return PyModule_AddType(module, state->node_type);
}

static int
module_traverse(PyObject *module, visitproc visit, void *arg)
{
    Py_VISIT(state_of(module)->node_type);
    Py_VISIT(state_of(module)->zero);
    return 0;
}

static int
module_clear(PyObject *module)
{
    Py_CLEAR(state_of(module)->node_type);
    Py_CLEAR(state_of(module)->zero);
    return 0;
}

static void
module_free(void *module)
{
    module_clear((PyObject *)module);
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, module_exec},
#ifdef Py_mod_gil
    {Py_mod_gil, Py_MOD_GIL_USED},  /* see the top of this file */
#endif
    {0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "autograd._node",
    .m_doc = PyDoc_STR("A Value's storage, compiled; see autograd/storage.py."),
    .m_size = sizeof(State),
    .m_methods = module_methods,
    .m_slots = module_slots,
    .m_traverse = module_traverse,
    .m_clear = module_clear,
    .m_free = module_free,
};

PyMODINIT_FUNC
PyInit__node(void)
{
    return PyModuleDef_Init(&module);
}
