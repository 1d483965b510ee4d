/* The storage of a Value, compiled: five fields and nothing else.
 *
 * autograd/storage.py picks this type when it was built, and a plain class with
 * the same five __slots__ when it was not; the methods, the arithmetic and every
 * derivative stay in Python, so both give the same numbers bit for bit.
 *
 * What this buys: a node made here is not tracked by the cycle collector. A
 * graph of Values holds no reference cycle (no closures), so reference counting
 * frees it; the collector would otherwise walk every live node, many times per
 * training step. The type still supports the collector (traverse, clear), and
 * `track` hands a node to it: backward(create_graph=True) does that for the
 * graphs whose grads are Values, which do hold cycles.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

typedef struct {
    PyObject_HEAD
    PyObject *data;
    PyObject *grad;
    PyObject *fn;
    PyObject *a;
    PyObject *b;
} Node;

static PyTypeObject NodeType;

static int
node_traverse(Node *self, visitproc visit, void *arg)
{
    /* a heap subclass's own traverse (CPython's subtype_traverse) visits its type */
    Py_VISIT(self->data);
    Py_VISIT(self->grad);
    Py_VISIT(self->fn);
    Py_VISIT(self->a);
    Py_VISIT(self->b);
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
    return 0;
}

static void
node_dealloc(Node *self)
{
    /* A subclass's dealloc (CPython's subtype_dealloc) runs first, inside the
     * trashcan that keeps freeing a long chain of nodes from recursing deeply. */
    PyObject_GC_UnTrack(self);
    node_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
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

static PyObject *
node_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    return untracked(type);
}

static PyObject *
new_node(PyObject *module, PyObject *cls)
{
    (void)module;
    if (!PyType_Check(cls) || !PyType_IsSubtype((PyTypeObject *)cls, &NodeType)) {
        PyErr_Format(PyExc_TypeError, "new() takes a subclass of Node, got %R", cls);
        return NULL;
    }
    return untracked((PyTypeObject *)cls);
}

static PyObject *
track(PyObject *module, PyObject *node)
{
    (void)module;
    if (!PyObject_TypeCheck(node, &NodeType)) {
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
visit_parent(PyObject *parent, PyObject *zero, PyObject *leaves, Stack *stack)
{
    if (!PyObject_TypeCheck(parent, &NodeType)) {
        PyErr_Format(PyExc_TypeError, "a parent in the graph is %R, not a Value",
                     Py_TYPE(parent));
        return -1;
    }
    Node *node = (Node *)parent;
    if (node->a == Py_None || node->a == NULL) {
        return PySet_Add(leaves, parent);
    }
    if (node->grad != zero) {
        return stack_push(stack, parent);
    }
    return 0;
}

/* autograd.value._inner_order, the same walk step for step (see its docstring). */
static PyObject *
inner_order(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "inner_order(root, zero, many)");
        return NULL;
    }
    PyObject *root = args[0], *zero = args[1], *many = args[2];
    if (!PyObject_TypeCheck(root, &NodeType)) {
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
        if (a == NULL) {
            PyErr_SetString(PyExc_AttributeError, "a node in the graph has no _a");
            goto error;
        }
        if (b == many) {
            if (!PyTuple_Check(a)) {
                PyErr_SetString(PyExc_TypeError, "an n-ary node's parents are not a tuple");
                goto error;
            }
            for (Py_ssize_t i = PyTuple_GET_SIZE(a) - 1; i >= 0; i--) {
                if (visit_parent(PyTuple_GET_ITEM(a, i), zero, leaves, &stack) < 0) {
                    goto error;
                }
            }
        }
        else {
            if (b != NULL && b != Py_None && visit_parent(b, zero, leaves, &stack) < 0) {
                goto error;
            }
            if (visit_parent(a, zero, leaves, &stack) < 0) {
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

static PyMemberDef node_members[] = {
    {"data", T_OBJECT_EX, offsetof(Node, data), 0, NULL},
    {"grad", T_OBJECT_EX, offsetof(Node, grad), 0, NULL},
    {"_fn", T_OBJECT_EX, offsetof(Node, fn), 0, NULL},
    {"_a", T_OBJECT_EX, offsetof(Node, a), 0, NULL},
    {"_b", T_OBJECT_EX, offsetof(Node, b), 0, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyTypeObject NodeType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "autograd._node.Node",
    .tp_doc = PyDoc_STR("A Value's five fields, kept out of the cycle collector."),
    .tp_basicsize = sizeof(Node),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_new = node_new,
    .tp_dealloc = (destructor)node_dealloc,
    .tp_traverse = (traverseproc)node_traverse,
    .tp_clear = (inquiry)node_clear,
    .tp_members = node_members,
};

static PyMethodDef module_methods[] = {
    {"new", new_node, METH_O,
     PyDoc_STR("new(cls): an empty instance of cls, a subclass of Node, left untracked.")},
    {"track", track, METH_O,
     PyDoc_STR("track(node): hand node to the cycle collector (for graphs with cycles).")},
    {"inner_order", (PyCFunction)(void (*)(void))inner_order, METH_FASTCALL,
     PyDoc_STR("inner_order(root, zero, many): autograd.value._inner_order, compiled.")},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "autograd._node",
    .m_doc = PyDoc_STR("A Value's storage, compiled; see autograd/storage.py."),
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC
PyInit__node(void)
{
    if (PyType_Ready(&NodeType) < 0) {
        return NULL;
    }
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) {
        return NULL;
    }
    Py_INCREF(&NodeType);
    if (PyModule_AddObject(m, "Node", (PyObject *)&NodeType) < 0) {
        Py_DECREF(&NodeType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
