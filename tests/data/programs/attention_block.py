# One self-attention block (single head, residual, layer norm, feed-forward) written with plain
# ops under name scopes, about forty ops: the graph pane's test of a graph that cannot fit.
import tapeviz.tf as tf

tf.random.set_seed(0)
d, t = 8, 4
x = tf.random.normal([t, d])
wq = tf.Variable(tf.random.normal([d, d]) * 0.3, name="wq")
wk = tf.Variable(tf.random.normal([d, d]) * 0.3, name="wk")
wv = tf.Variable(tf.random.normal([d, d]) * 0.3, name="wv")
wo = tf.Variable(tf.random.normal([d, d]) * 0.3, name="wo")
w1 = tf.Variable(tf.random.normal([d, 2 * d]) * 0.3, name="w1")
b1 = tf.Variable(tf.zeros([2 * d]), name="b1")
w2 = tf.Variable(tf.random.normal([2 * d, d]) * 0.3, name="w2")
b2 = tf.Variable(tf.zeros([d]), name="b2")
target = tf.random.normal([t, d])


def layer_norm(h):
    mean = tf.reduce_mean(h, axis=-1, keepdims=True)
    centered = h - mean
    var = tf.reduce_mean(tf.square(centered), axis=-1, keepdims=True)
    return centered / tf.sqrt(var + 1e-5)


with tf.GradientTape() as tape:
    with tf.name_scope("attention"):
        q = tf.matmul(x, wq)
        k = tf.matmul(x, wk)
        v = tf.matmul(x, wv)
        scores = tf.matmul(q, tf.transpose(k)) / tf.sqrt(float(d))
        weights = tf.nn.softmax(scores)
        attended = tf.matmul(weights, v)
        out = tf.matmul(attended, wo)
    with tf.name_scope("norm1"):
        h = layer_norm(x + out)
    with tf.name_scope("feed_forward"):
        hidden = tf.nn.relu(tf.matmul(h, w1) + b1)
        ff = tf.matmul(hidden, w2) + b2
    with tf.name_scope("norm2"):
        y = layer_norm(h + ff)
    with tf.name_scope("loss"):
        mse = tf.reduce_mean(tf.square(y - target))
        decay = tf.reduce_sum(tf.square(w1)) + tf.reduce_sum(tf.square(w2))
        loss = mse + 1e-3 * decay
grads = tape.gradient(loss, [wq, wk, wv, wo, w1, b1, w2, b2])
