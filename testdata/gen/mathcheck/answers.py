"""Real-looking MATH answers, solutions and Minerva-format generations, the
inputs of the normalization fixture (normalize_fixtures.py). Written for
fmkit: answer forms as they appear in MATH (hendrycks_math, MATH-500)
reference solutions and in model outputs, with the cases that trigger the
published function's substring bugs."""

# Answers as they appear inside \boxed{...} in MATH solutions.
BOXED = r"""
5
-3
0
100
1{,}000
10,\!000
2,\!500
12.5
-0.25
.5
3.14
\frac{1}{2}
-\frac{2}{3}
\dfrac{3}{4}
\tfrac{5}{8}
\frac12
\frac{\sqrt{3}}{2}
\frac{1}{\sqrt{2}}
2\sqrt{5}
3\sqrt{2}+1
\sqrt{2}
\sqrt2
\sqrt[3]{2}
\sqrt[4]{81}
\frac{\pi}{2}
\frac\pi2
2\pi
\pi
4\pi\text{ square units}
36\pi\text{ cubic inches}
\infty
(-\infty, 3]
(-\infty,-2)\cup(5,\infty)
[2,5)
(1, 4]
\left( 3, \frac{\pi}{2} \right)
\left(-\frac{1}{3}, \frac{2}{3}\right)
\left[ -1, \frac{1}{2} \right)
(2,-1)
(1,2,3)
\{1,2,3\}
-2, 1
1, -1, 2
\text{(C)}
\text{(A)}, \text{(D)}
\textbf{(E)}
\text{Monday}
\text{Devon}
\text{odd}
\text{neither}
\text{yes}
x^2+7
x^2 + 2x + 1
3x^2-5x+2
(x-1)(x+2)
y = 2x + 3
x = 4
a = 5
f^{-1}(x) = \frac{x-3}{2}
\frac{x+1}{x-1}
e^{2}
2e
\ln 2
\log_2 8
\sin 30^\circ
30^\circ
45^{\circ}
120^\circ
90
\$18.90
\$1.25
\$5
50\%
12.5\%
15\text{ cm}
6\text{ inches}
24 \text{ square feet}
7 \text{ ft}
3\text{ hours}
20\text{ mph}
42\text{ ways}
9\text{ units}
12 \text{ meters}
5\mbox{ cm}^2
8\text{ dollars}
25\text{ cents}
4\text{ points}
60\text{ minutes}
10\text{ feet}
100\text{ pounds}
6\text{ edges}
30\text{ students}
3\text{ digits}
2\text{ km}
50 \text{ degrees}
\text{5 and 7}
1,\text{and} 2
3\text{ and }4
\begin{pmatrix} 1 \\ 2 \end{pmatrix}
\begin{pmatrix} -1 & 0 \\ 0 & 1 \end{pmatrix}
\begin{pmatrix} 2 \\ -1 \\ 3 \end{pmatrix}
\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}
\begin{pmatrix} \frac{1}{2} \\ \frac{\sqrt{3}}{2} \end{pmatrix}
\overline{AB}
0.\overline{3}
1.\overline{27}
\mathbf{v}
\mathrm{th}
1\mathrm{st}
4^{\text{th}}
2^{10}
10^{-3}
1.5 \times 10^{3}
6.02\times10^{23}
3 \cdot 4
5!
\binom{8}{3}
\lfloor x \rfloor
|x-1|
\left| -5 \right|
\pm 3
3 \pm \sqrt{2}
\frac{-1 \pm \sqrt{5}}{2}
-\frac{\sqrt{2}}{2}
\sin x
\cos^2 \theta
\tan \frac{\pi}{8}
\tan x
\sec x
\alpha
2\alpha + \beta
\sigma
\theta = \frac{\pi}{4}
\square
\leftarrow
a\le b
x \ge 2
x \leq 3
x \in [0, 1]
\emptyset
\varnothing
\mathbb{R}
\frac{a+b}{2}
ab
a^2 b^3
\frac{1}{a} + \frac{1}{b}
i
3 + 4i
-2i
\frac{1}{2} + \frac{\sqrt{3}}{2} i
e^{i \pi / 3}
1 \text{ and } 2
\text{An integer}
\text{a square}
square
a square
an apple
2\text{ sues}
\ldots
1, 2, 3, \ldots
1, 2, \dots, n
\cdots
\dots
"yes"
\text{no}
\text{m}
5\text{ m}
5\text{ m}^2
10\text{s}
\text{.}
\;
8\;
7\,000
1\!000
12{,}345
1,234,567
1,000.50
0.000001
1000000
²
12³
١٢٣
$5$
$\$5$
5.
5.$
a
an
x
-x
\frac{4}{3}\pi r^3
\frac{100}{3}
333\frac{1}{3}
3\frac{1}{2}
3\tfrac{1}{2}
2 \frac{1}{4}
\sqrt{x^2+y^2}
\frac{\sqrt{6}-\sqrt{2}}{4}
"""

# Full solutions (for --from solution), including the box forms the
# published function reads differently.
SOLUTIONS = [
    r"We have $2+3=\boxed{5}$.",
    r"The sum is $\boxed{\frac{1}{2}}$.",
    r"So the answer is $\boxed{\left( 3, \frac{\pi}{2} \right)}.$",
    r"Therefore $x = \boxed{-\frac{2}{3}}$.",
    r"The domain is $\boxed{[2,5)}$.",
    r"The first is $\boxed{1}$ and the second is $\boxed{2}$.",
    r"So the answer is $\boxed 5$.",
    r"So the answer is \boxed 5",
    r"We get $\boxed 7$, but earlier $\boxed{8}$.",
    r"We get $\boxed{8}$, and then $\boxed 9$.",
    r"The answer is $\fbox{12}$.",
    r"The answer is \fbox{$\frac{3}{4}$}.",
    r"No box here, the answer is 5.",
    r"Unclosed $\boxed{3$.",
    r"A box with text: $\boxed{\text{(C)}}$",
    r"$\boxed{\infty}$",
    r"$\boxed{(-\infty, \infty)}$",
    r"Hence $\boxed{\sqrt[3]{2}}$.",
    r"Hence $\boxed{\frac\pi2}$.",
    r"$\boxed{\begin{pmatrix} 1 \\ -2 \end{pmatrix}}$",
    r"The set is $\boxed{\{1, 2\}}$.",
    "Line one.\nLine two gives $\\boxed{42}$.\n",
    r"The answer is $\boxed{\text{Monday}}$.",
    r"$\boxed{10\%}$",
    r"$\boxed{\$18.90}$",
    r"$\boxed{24 \text{ square feet}}$",
    r"$\boxed{\square}$",
    r"$\boxed{\leftarrow}$",
    r"$\boxed{\sigma^2}$",
    r"$\boxed{\tan x}$",
    r"$\boxed{\alpha x}$",
    r"$\boxed{1,\!000}$",
    r"$\boxed{\overline{AB}}$",
    r"$\boxed{\frac{1}{\left|x\right|}}$",
    r"$\boxed{x \in \left[ 0, \infty \right)}$",
    r"\boxed{}",
    r"\boxed",
    r"\boxed{a}\boxed{b}",
    r"The answer is \boxed{\text{\frac{1}{2} cm}}.",
    r"$\boxed{\textbf{(B) } 7}$",
]

# Generation templates: @@ is replaced by an answer. Some break the
# Minerva format on purpose.
GENERATIONS = [
    "We compute it.\nFinal Answer: The final answer is $@@$. I hope it is correct.",
    "Final Answer: The final answer is $@@$. I hope it is correct.\n\nProblem:",
    "Final Answer: The final answer is $@@$.",
    "Final Answer: The final answer is @@. I hope it is correct.",
    "Final Answer: The final answer is $@@$. ",
    "The answer is $@@$.",
    "Final Answer: The final answer is $x = @@$. I hope it is correct.",
    "Final Answer: The final answer is\n$@@$. I hope it is correct.",
    "Final Answer: The final answer is $\\boxed{@@}$. I hope it is correct.",
    "Final Answer: The final answer is $@@$ units. I hope it is correct.",
]


def answers():
    return [a for a in BOXED.strip("\n").split("\n")]
