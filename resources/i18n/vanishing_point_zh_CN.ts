<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>ClassroomDialog</name>
    <message>
        <location filename="../../desktop_app/classroom.py" line="13" />
        <source>Classroom: controls to show</source>
        <translation>课堂模式：要显示的控件</translation>
    </message>
    <message>
        <location filename="../../desktop_app/classroom.py" line="15" />
        <source>Untick the controls to hide; training is unchanged. Show all again here.</source>
        <translation>取消勾选要隐藏的控件；训练不受影响。在这里可重新全部显示。</translation>
    </message>
</context>
<context>
    <name>ControlPanel</name>
    <message>
        <location filename="../../desktop_app/controls.py" line="149" />
        <source>off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="152" />
        <source>Data set</source>
        <translation>数据集</translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="153" />
        <source>Training points</source>
        <translation>训练样本数</translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="154" />
        <source>Noise</source>
        <translation>噪声</translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="155" />
        <source>Flipped labels</source>
        <translation>标签翻转比例</translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="156" />
        <source>Depth (hidden layers)</source>
        <translation>深度（隐藏层数）</translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="157" />
        <source>Width (units)</source>
        <translation>宽度（单元数）</translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="158" />
        <source>Activation</source>
        <translation>激活函数</translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="159" />
        <source>Initialization</source>
        <translation>初始化</translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="160" />
        <source>Init gain</source>
        <translation>初始化增益</translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="161" />
        <source>Batch normalization</source>
        <translation>批标准化</translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="162" />
        <source>Residual connections</source>
        <translation>残差连接</translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="163" />
        <source>Optimizer</source>
        <translation>优化器</translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="164" />
        <source>Learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="165" />
        <source>Batch size</source>
        <translation>批大小</translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="166" />
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="167" />
        <source>L2</source>
        <translation>L2</translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="168" />
        <source>L1</source>
        <translation>L1</translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="169" />
        <source>Dropout</source>
        <translation>Dropout</translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="170" />
        <source>Gradient clipping</source>
        <translation>梯度裁剪</translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="171" />
        <source>Early-stopping patience</source>
        <translation>早停耐心值</translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="172" />
        <source>Validation points</source>
        <translation>验证样本数</translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="173" />
        <source>Initial bias</source>
        <translation>初始偏置</translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="174" />
        <source>Steps</source>
        <translation>训练步数</translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="175" />
        <source>Evaluate every (steps)</source>
        <translation>评估间隔（步）</translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="176" />
        <source>Device</source>
        <translation>计算设备</translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="179" />
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="180" />
        <source>Network</source>
        <translation>网络</translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="181" />
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="182" />
        <source>Regularization</source>
        <translation>正则化</translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="191" />
        <source>Advanced</source>
        <translation>高级</translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="213" />
        <source>0 = off</source>
        <translation>0 = 关闭</translation>
    </message>
    <message>
        <source>Sequence length</source>
        <translation>序列长度</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Forget-gate bias</source>
        <translation>遗忘门偏置</translation>
    </message>
    <message>
        <source>Depth (layers)</source>
        <translation>深度（层数）</translation>
    </message>
    <message>
        <source>Width (hidden size)</source>
        <translation>宽度（隐藏状态维数）</translation>
    </message>
    <message>
        <source>LSTM and GRU keep their own gates (sigmoid and tanh): the activation applies to an mlp and to the rnn (Elman) cell</source>
        <translation>LSTM 和 GRU 使用自己的门（sigmoid 和 tanh）：激活函数只用于 mlp 和 rnn（Elman）单元</translation>
    </message>
    <message>
        <source>Only for an mlp: a recurrent net has no batch normalization or residual connections here</source>
        <translation>只用于 mlp：这里的循环网络没有批标准化和残差连接</translation>
    </message>
    <message>
        <source>identity: only for the rnn (Elman) cell's recurrent weights</source>
        <translation>identity：只用于 rnn（Elman）单元的循环权重</translation>
    </message>
</context>
<context>
    <name>DiagnosisView</name>
    <message>
        <location filename="../../desktop_app/diagnosis_view.py" line="38" />
        <source> (first in layer {0})</source>
        <translation>（最先出现在第 {0} 层）</translation>
    </message>
    <message>
        <location filename="../../desktop_app/diagnosis_view.py" line="40" />
        <source>Gradients exploded at step {0}{1}: the loss or a gradient is no longer a finite number. Training is paused. Try a lower learning rate, gradient clipping, a smaller init gain, or batch normalization.</source>
        <translation>梯度在第 {0} 步爆炸{1}：损失或某个梯度已不再是有限数值。训练已暂停。可尝试降低学习率、使用梯度裁剪、减小初始化增益，或加入批标准化。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/diagnosis_view.py" line="44" />
        <source>Early stopping ended the run at step {0}; the best validation error, {1}, was at step {2}.</source>
        <translation>早停在第 {0} 步结束了本次训练；最佳验证误差为 {1}，出现在第 {2} 步。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/diagnosis_view.py" line="48" />
        <source>Exploding gradients: the gradient of layer {0} has reached 10{1}.</source>
        <translation>梯度爆炸：第 {0} 层的梯度已达到 10{1}。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/diagnosis_view.py" line="52" />
        <source>Layer 1 receives no gradient at all: its units cannot learn (all-zero weights or dead units).</source>
        <translation>第 1 层完全收不到梯度：其单元无法学习（权重全为零，或单元已死亡）。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/diagnosis_view.py" line="86" />
        <source>Layers 1–{0} receive no gradient at all: every unit of layer {1} is dead, so it passes no gradient down and only zeros up.</source>
        <translation>第 1–{0} 层完全收不到梯度：第 {1} 层的单元全部死亡，它向下传不出梯度，向上只输出 0。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/diagnosis_view.py" line="86" />
        <source>Layer 1 receives no gradient at all: every unit of layer {0} is dead, so it passes no gradient down.</source>
        <translation>第 1 层完全收不到梯度：第 {0} 层的单元全部死亡，它向下传不出梯度。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/diagnosis_view.py" line="86" />
        <source>Layers 1–{0} receive no gradient at all: their units cannot learn (all-zero weights or dead units).</source>
        <translation>第 1–{0} 层完全收不到梯度：这些层的单元无法学习（权重全为零，或单元已死亡）。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/diagnosis_view.py" line="63" />
        <source>{0} of hidden units are dead (layer {1}: {2}); they pass no gradient.</source>
        <translation>{0} 的隐藏单元已死亡（第 {1} 层：{2}）；它们不再传递任何梯度。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/diagnosis_view.py" line="67" />
        <source>{0} of hidden activations sit in the flat part of the activation (layer {1}: {2}).</source>
        <translation>{0} 的隐藏层激活值落在激活函数平坦的饱和区（第 {1} 层：{2}）。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/diagnosis_view.py" line="71" />
        <source>Overfitting: validation error {0} is well above training error {1}.</source>
        <translation>过拟合：验证误差 {0} 明显高于训练误差 {1}。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/diagnosis_view.py" line="75" />
        <source>Underfitting: training error is still {0}; the network cannot fit the data yet.</source>
        <translation>欠拟合：训练误差仍为 {0}；网络尚不能拟合数据。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/diagnosis_view.py" line="83" />
        <source>Press Play (Space) to train; move a slider and watch every layer's gradient.</source>
        <translation>按“运行”（空格键）开始训练；拖动滑块，观察每一层的梯度如何变化。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/diagnosis_view.py" />
        <source>{0} times</source>
        <translation>{0} 倍</translation>
    </message>
    <message>
        <location filename="../../desktop_app/diagnosis_view.py" />
        <source>{0} of</source>
        <translation>{0}</translation>
    </message>
    <message>
        <location filename="../../desktop_app/diagnosis_view.py" />
        <source>Vanishing gradients: the gradient ∂L/∂s that reaches layer 1 is {0} that at layer {1}, the output layer; the first layers barely learn.</source>
        <translation>梯度消失：传到第 1 层的梯度 ∂L/∂s 是输出层（第 {1} 层）的 {0}；前面几层几乎无法学习。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/diagnosis_view.py" />
        <source>Exploding gradients: the gradient ∂L/∂s that reaches layer 1 is {0} that at layer {1}, the output layer.</source>
        <translation>梯度爆炸：传到第 1 层的梯度 ∂L/∂s 是输出层（第 {1} 层）的 {0}。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/diagnosis_view.py" />
        <source>Gradients reach every layer: ∂L/∂s at layer 1 is {0} that at layer {1}, the output layer.</source>
        <translation>梯度能传到每一层：第 1 层的 ∂L/∂s 是输出层（第 {1} 层）的 {0}。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/diagnosis_view.py" />
        <source>Underfitting: training error is still {0}, well above the {1} of flipped labels; the network cannot fit the data yet.</source>
        <translation>欠拟合：训练误差仍为 {0}，远高于被翻转标签所占的 {1}；网络尚不能拟合数据。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/diagnosis_view.py" />
        <source>Clipping scales this step's gradient down from a global norm of {0} to {1}: training stays stable, but the large gradients it treats are still there.</source>
        <translation>梯度裁剪把这一步梯度的全局范数从 {0} 缩小到 {1}：训练保持稳定，但它处理的巨大梯度依然存在。</translation>
    </message>
    <message>
        <source>Vanishing through time: no gradient at all reaches back {0} steps to the first step; the network cannot learn what the sequence's start holds.</source>
        <translation>随时间消失：没有任何梯度能传回 {0} 步之前的第一步；网络学不到序列开头的内容。</translation>
    </message>
    <message>
        <source>Vanishing through time: the gradient from {0} steps back is {1} the last step's; the network can hardly learn what the sequence's start holds.</source>
        <translation>随时间消失：来自 {0} 步之前的梯度是最后一步的 {1}；网络几乎学不到序列开头的内容。</translation>
    </message>
    <message>
        <source>Exploding through time: the gradient from {0} steps back is {1} the last step's.</source>
        <translation>随时间爆炸：来自 {0} 步之前的梯度是最后一步的 {1}。</translation>
    </message>
    <message>
        <source>The gradient reaches back through time: from {0} steps back it is {1} the last step's.</source>
        <translation>梯度能随时间传回：{0} 步之前的梯度是最后一步的 {1}。</translation>
    </message>
    <message>
        <source>The network fits its training data (training error {0}, validation error {1}): small gradients now mean that little is left to learn.</source>
        <translation>网络已拟合训练数据（训练误差 {0}，验证误差 {1}）：现在梯度小，说明剩下要学的已经不多。</translation>
    </message>
</context>
<context>
    <name>ErrorCurvesView</name>
    <message>
        <location filename="../../desktop_app/views/curves.py" />
        <source>Validation error of each seed ({0}):</source>
        <translation>各种子的验证误差（{0}）：</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/curves.py" />
        <source>at the end</source>
        <translation>结束时</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/curves.py" />
        <source>latest</source>
        <translation>最新</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/curves.py" />
        <source>median of seeds {0}–{1}, shaded: their range</source>
        <translation>种子 {0}–{1} 的中位数，阴影：其范围</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/curves.py" line="34" />
        <source>Error</source>
        <translation>误差</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/curves.py" line="34" />
        <source>Loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/curves.py" line="38" />
        <source>training step</source>
        <translation>训练步</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/curves.py" line="45" />
        <source>training</source>
        <translation>训练</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/curves.py" line="45" />
        <source>validation</source>
        <translation>验证</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/curves.py" line="55" />
        <source>log scale</source>
        <translation>对数坐标</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/curves.py" line="146" />
        <source>best step {0}</source>
        <translation>最佳：第 {0} 步</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/curves.py" line="153" />
        <source>diverged</source>
        <translation>发散</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/curves.py" line="161" />
        <source>step {0}: error {1} / {2}</source>
        <translation>第 {0} 步：误差 {1} / {2}</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/curves.py" />
        <source>Pinned (validation dashed, training dotted):</source>
        <translation>已固定（验证为虚线，训练为点线）：</translation>
    </message>
</context>
<context>
    <name>GradientHeatmapView</name>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" />
        <source> (median of {0} seeds)</source>
        <translation>（{0} 个种子的中位数）</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" line="42" />
        <source>Weight gradient ‖∇W‖</source>
        <translation>权重梯度 ‖∇W‖</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" line="43" />
        <source>Back-propagated signal ∂L/∂s</source>
        <translation>反向传播信号 ∂L/∂s</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" line="45" />
        <source>Frobenius norm of each layer's weight gradient, before clipping</source>
        <translation>各层权重梯度的 Frobenius 范数（裁剪前）</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" line="47" />
        <source>RMS of the per-sample gradient of the loss with respect to each layer's pre-activation</source>
        <translation>损失对各层预激活值的逐样本梯度的均方根（RMS）</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" line="64" />
        <source>training step</source>
        <translation>训练步</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" line="82" />
        <source>now (log10)</source>
        <translation>当前（log10）</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" line="117" />
        <source>log10 RMS ∂L/∂s</source>
        <translation>log10 RMS ∂L/∂s</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" line="117" />
        <source>log10 ‖∇W‖</source>
        <translation>log10 ‖∇W‖</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" line="131" />
        <source>Mean-field theory does not apply here (batch norm, skip connections, zero weights or one hidden layer).</source>
        <translation>平均场理论在此不适用（批标准化、残差连接、全零权重或只有一个隐藏层）。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" line="134" />
        <source>Dashed green: the mean-field prediction at initialization, each layer multiplying the signal's mean square by χ = σ_w²·E[φ′(h)²] (Poole et al. 2016; Schoenholz et al. 2017).</source>
        <translation>绿色虚线：初始化时的平均场理论预测，每一层将信号的均方乘以 χ = σ_w²·E[φ′(h)²]（Poole et al. 2016；Schoenholz et al. 2017）。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" line="236" />
        <source>signal</source>
        <translation>信号</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" line="237" />
        <source>layer {0}, step {1}: {2} = {3}</source>
        <translation>第 {0} 层，第 {1} 步：{2} = {3}</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" />
        <source>Absolute</source>
        <translation>绝对值</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" />
        <source>Relative to output layer</source>
        <translation>相对输出层</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" />
        <source>Each cell on one fixed scale: the size of the gradient itself</source>
        <translation>每个格子使用同一固定色标：即梯度本身的大小</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" />
        <source>Each cell divided by the output layer's value at the same step: small everywhere because the loss is small reads pale; a vanishing share for the input layers reads blue</source>
        <translation>每个格子除以同一步输出层的值：因损失很小而处处都小的显示为浅色；输入层所占份额趋于消失的显示为蓝色</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" />
        <source>Step {0} is not finite (red dashed line), and no step before it is.</source>
        <translation>第 {0} 步出现非有限值（红色虚线），且此前没有任何一步全为有限值。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" />
        <source>Step {0} diverged (red dashed line): its loss is not finite; its gradients, in the profile, still are.</source>
        <translation>第 {0} 步发散（红色虚线）：其损失已非有限值；右侧剖面中的梯度仍为有限值。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" />
        <source>Step {0} is not finite (red dashed line); the profile shows step {1}, the last finite one.</source>
        <translation>第 {0} 步出现非有限值（红色虚线）；剖面显示的是最后一个有限的第 {1} 步。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" />
        <source>; ÷ output layer = {0}</source>
        <translation>；÷ 输出层 = {0}</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" />
        <source>layer (1 = input)</source>
        <translation>层（1 = 输入层）</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" />
        <source>log10 (÷ output layer)</source>
        <translation>log10（÷ 输出层）</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" />
        <source>now ÷ out</source>
        <translation>当前 ÷ 输出</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" />
        <source>‖∇W‖ = the signal ∂L/∂s × the layer's input, so the two can differ (Glorot &amp; Bengio 2010): the signal view shows the signal, and the theory.</source>
        <translation>‖∇W‖ = 信号 ∂L/∂s × 该层的输入，因此两者可能不同（Glorot &amp; Bengio 2010）：信号视图显示信号本身以及理论预测。</translation>
    </message>
    <message>
        <source>log10 (÷ t = T)</source>
        <translation>log10（÷ t = T）</translation>
    </message>
    <message>
        <source>log10 RMS ∂L/∂h_t</source>
        <translation>log10 RMS ∂L/∂h_t</translation>
    </message>
    <message>
        <source>÷ t = T (log10)</source>
        <translation>÷ t = T（log10）</translation>
    </message>
    <message>
        <source>Through time ∂L/∂h_t</source>
        <translation>随时间 ∂L/∂h_t</translation>
    </message>
    <message>
        <source>RMS of the per-sample gradient of the loss with respect to the top layer's state h_t at each time step t, every path through later steps included</source>
        <translation>损失对最上层状态 h_t 在每个时间步 t 的逐样本梯度的 RMS，包括经过后面各步的所有路径</translation>
    </message>
    <message>
        <source>Relative to t = T</source>
        <translation>相对 t = T</translation>
    </message>
    <message>
        <source>Each cell divided by the last time step's value at the same training step: how much of the gradient reaches each step back</source>
        <translation>每格除以同一训练步中最后一个时间步的值：梯度有多少能传回到之前的每一步</translation>
    </message>
    <message>
        <source>time step t</source>
        <translation>时间步 t</translation>
    </message>
    <message>
        <source>A recurrent layer's ‖∇W‖ adds up its gradient over every time step: the view through time shows which steps it comes from.</source>
        <translation>循环层的 ‖∇W‖ 是它在所有时间步上的梯度之和：随时间的视图显示梯度来自哪些步。</translation>
    </message>
    <message>
        <source>t = T (top) is the last step, next to the loss. No theory line here: the prediction covers a linear rnn with orthogonal or identity recurrent weights.</source>
        <translation>t = T（最上面）是最后一步，紧挨着损失。这里没有理论线：预测只适用于循环权重为 orthogonal 或 identity 的线性 rnn。</translation>
    </message>
    <message>
        <source>Dashed green: the prediction at initialization. A linear rnn whose recurrent weights are init_gain × an orthogonal matrix multiplies ∂L/∂h_t by init_gain at each step back (Saxe et al. 2013; Le et al. 2015).</source>
        <translation>绿色虚线：初始化时的预测。循环权重为 init_gain × 正交矩阵的线性 rnn，每往前一步把 ∂L/∂h_t 乘以 init_gain（Saxe et al. 2013；Le et al. 2015）。</translation>
    </message>
    <message>
        <source>t = {0}, step {1}: ∂L/∂h_t = {2}</source>
        <translation>t = {0}，第 {1} 步：∂L/∂h_t = {2}</translation>
    </message>
    <message>
        <source>; ÷ t = T = {0}</source>
        <translation>；÷ t = T = {0}</translation>
    </message>
    <message>
        <source>0 exactly (no gradient)</source>
        <translation>0（恰好为零：没有梯度）</translation>
    </message>
    <message>
        <source>exactly 0 (no gradient)</source>
        <translation>恰好为 0（没有梯度）</translation>
    </message>
    <message>
        <source>: t = {0} now</source>
        <translation>：当前 t = {0}</translation>
    </message>
    <message>
        <source>: layers {0} now</source>
        <translation>：当前第 {0} 层</translation>
    </message>
    <message>
        <source>: layer {0} now</source>
        <translation>：当前第 {0} 层</translation>
    </message>
    <message>
        <source>not finite</source>
        <translation>非有限值</translation>
    </message>
</context>
<context>
    <name>InsightView</name>
    <message>
        <location filename="../../desktop_app/views/insight.py" />
        <source>Seed {0}'s network, one of the band's.</source>
        <translation>这是种子 {0} 的网络，种子带中的一个。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/insight.py" line="54" />
        <source>x₂ (standardized)</source>
        <translation>x₂（标准化）</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/insight.py" line="54" />
        <source>x₁ (standardized)</source>
        <translation>x₁（标准化）</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/insight.py" line="63" />
        <source>Filled: training points. Hollow: validation points. Shading: the class the network predicts, paler where it is unsure.</source>
        <translation>实心点：训练样本。空心点：验证样本。底色：网络预测的类别，越浅表示越不确定。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/insight.py" line="66" />
        <source>What it learned</source>
        <translation>学到了什么</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/insight.py" line="71" />
        <source>activation</source>
        <translation>激活值</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/insight.py" line="71" />
        <location filename="../../desktop_app/views/insight.py" line="72" />
        <location filename="../../desktop_app/views/insight.py" line="86" />
        <location filename="../../desktop_app/views/insight.py" line="101" />
        <location filename="../../desktop_app/views/insight.py" line="113" />
        <source>training step</source>
        <translation>训练步</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/insight.py" line="76" />
        <source>Distributions</source>
        <translation>分布</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/insight.py" line="80" />
        <source>layer</source>
        <translation>层</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/insight.py" line="80" />
        <source>share of units</source>
        <translation>单元占比</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/insight.py" line="86" />
        <source>share</source>
        <translation>占比</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/insight.py" line="90" />
        <source>dead (ReLU family: zero slope on every sample)</source>
        <translation>死亡（ReLU 类：对每个样本斜率都为零）</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/insight.py" line="91" />
        <source>saturated (sigmoid/tanh: in the flat part)</source>
        <translation>饱和（sigmoid/tanh：处于平坦区）</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/insight.py" line="97" />
        <source>Unit health</source>
        <translation>单元健康</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/insight.py" line="101" />
        <source>‖ΔW‖ / ‖W‖</source>
        <translation>‖ΔW‖ / ‖W‖</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/insight.py" line="106" />
        <source>One line per layer (darker toward the output), focused layer thick, measured every evaluation. The green band (10⁻⁴ to 10⁻²) is where updates are usually healthy: far below, a layer hardly learns; far above, the step is too large.</source>
        <translation>每层一条线（越靠近输出颜色越深），选中的层加粗，每次评估时测量。绿色带（10⁻⁴ 到 10⁻²）是更新通常健康的范围：远低于它，该层几乎学不到东西；远高于它，步长过大。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/insight.py" line="109" />
        <source>Update ratio</source>
        <translation>更新比例</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/insight.py" line="113" />
        <source>global gradient norm</source>
        <translation>全局梯度范数</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/insight.py" line="122" />
        <source>Clipping</source>
        <translation>梯度裁剪</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/insight.py" line="179" />
        <source>x (standardized)</source>
        <translation>x（标准化）</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/insight.py" line="201" />
        <source>Layer {0}: 5–95% (light), 25–75% (dark) and median of its values over the batch, every {1} steps. Saturated sigmoids pile up near 0 and 1; dead ReLUs make a spike at 0.</source>
        <translation>第 {0} 层：该层在一个批次上取值的 5–95%（浅色）、25–75%（深色）分位区间和中位数，每 {1} 步一次。饱和的 sigmoid 会堆积在 0 和 1 附近；死亡 ReLU 会在 0 处形成尖峰。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/insight.py" line="227" />
        <source>Bars: each hidden layer at step {0}. Measured on the training batch every {1} steps.</source>
        <translation>条形：第 {0} 步时的各隐藏层。每 {1} 步在训练批次上测量一次。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/insight.py" line="250" />
        <source>Grey: global gradient norm before clipping; green: after. Red: the threshold {0}; {1} of {2} steps were clipped.</source>
        <translation>灰色：裁剪前的全局梯度范数；绿色：裁剪后。红色：阈值 {0}；{2} 步中有 {1} 步被裁剪。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/insight.py" line="253" />
        <source>Grey: global gradient norm before clipping; green: after. Set Gradient clipping to see the threshold.</source>
        <translation>灰色：裁剪前的全局梯度范数；绿色：裁剪后。设置“梯度裁剪”即可看到阈值。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/insight.py" />
        <source>spread of ∂L/∂s per sample</source>
        <translation>每个样本 ∂L/∂s 的离散范围</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/insight.py" />
        <source>Below, ∂L/∂s of layer {0}, on a log scale: the width of its 5–95% range (light) and of its 25–75% range (dark) over the batch. A vanishing signal sinks by decades.</source>
        <translation>下图为第 {0} 层的 ∂L/∂s（对数刻度）：其在批次上 5–95% 区间（浅色）和 25–75% 区间（深色）的宽度。消失的信号会成数量级地下降。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/insight.py" />
        <source>layer {0}</source>
        <translation>第 {0} 层</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/insight.py" />
        <source>Over time: the mean over the hidden layers (solid)</source>
        <translation>随时间变化：各隐藏层的平均值（实线）</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/insight.py" />
        <source>{0}.</source>
        <comment>a sentence's full stop</comment>
        <translation>{0}。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/insight.py" />
        <source>Over time: the mean over the hidden layers, median of seeds {0}–{1} (solid; shaded: lowest to highest seed)</source>
        <translation>随时间变化：各隐藏层的平均值，取种子 {0}–{1} 的中位数（实线；阴影：从最低到最高的种子）</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/insight.py" />
        <source> and the worst layer now, layer {0} (dashed)</source>
        <translation>，以及当前最差的层，第 {0} 层（虚线）</translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/insight.py" />
        <source> and the worst layers now, dead: layer {0}, saturated: layer {1} (dashed)</source>
        <translation>，以及当前最差的层：死亡单元为第 {0} 层，饱和单元为第 {1} 层（虚线）</translation>
    </message>
</context>
<context>
    <name>LessonsPanel</name>
    <message>
        <location filename="../../desktop_app/lessons_view.py" />
        <source>Seed band on: the views show the median of seeds {0}–{1}, shaded by their range. The lesson's numbers are one seed's run: turn the band off (View menu) to see exactly that, or keep it on to see how often it happens.</source>
        <translation>种子带已开启：各视图显示种子 {0}–{1} 的中位数，阴影为其范围。课程中的数字来自单个种子的运行：在“视图”菜单中关闭种子带即可看到它，或保持开启，看看这种情况出现得有多频繁。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/lessons_view.py" line="55" />
        <source>Show the problem again</source>
        <translation>重新演示问题</translation>
    </message>
    <message>
        <location filename="../../desktop_app/lessons_view.py" line="79" />
        <source>The lessons could not be loaded: {0}</source>
        <translation>无法加载课程：{0}</translation>
    </message>
    <message>
        <location filename="../../desktop_app/lessons_view.py" line="81" />
        <source>Choose a lesson: it loads the problem, tells you what to watch, and offers the fix.</source>
        <translation>选择一节课程：它会载入问题情形，告诉你该观察什么，并给出解决办法。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/lessons_view.py" />
        <source>Choose a lesson…</source>
        <translation>选择一节课程…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/lessons_view.py" />
        <source>Overlay all</source>
        <translation>全部叠加</translation>
    </message>
    <message>
        <location filename="../../desktop_app/lessons_view.py" />
        <source>Stop overlaying</source>
        <translation>停止叠加</translation>
    </message>
    <message>
        <location filename="../../desktop_app/lessons_view.py" />
        <source>Train the problem and each fix to the end, one after another, and pin each: their curves show together.</source>
        <translation>依次把问题和每个修正训练到结束，并逐一固定：它们的曲线会一起显示。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../desktop_app/window.py" />
        <source>Seed band: train {0} seeds at once</source>
        <translation>种子带：同时训练 {0} 个种子</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" />
        <source>Trains the configuration at {0} seeds together: the curves and the heatmap show their median, the shading the range of the seeds. Is an effect the rule, or one seed's luck?</source>
        <translation>以 {0} 个种子同时训练当前配置：曲线和热图显示它们的中位数，阴影显示各种子的范围。一个现象是普遍规律，还是某个种子的运气？</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" />
        <source>, median of {0} seeds</source>
        <translation>，{0} 个种子的中位数</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="116" />
        <source>Transport</source>
        <translation>运行控制</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="120" />
        <location filename="../../desktop_app/window.py" line="465" />
        <source>▶ Play</source>
        <translation>▶ 运行</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="121" />
        <source>Play / pause training (Space)</source>
        <translation>运行/暂停训练（空格键）</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="123" />
        <source>Step</source>
        <translation>单步</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="124" />
        <source>One training step (S)</source>
        <translation>执行一个训练步（S）</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="126" />
        <source>Reset</source>
        <translation>重置</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="127" />
        <source>Fresh weights, same seed (R)</source>
        <translation>重新初始化权重，随机种子不变（R）</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="133" />
        <source> Speed </source>
        <translation> 速度 </translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="136" />
        <source>max</source>
        <translation>最快</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="138" />
        <source>{0}/s</source>
        <translation>{0}/s</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="180" />
        <source>Controls</source>
        <translation>控制面板</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="186" />
        <source>Lessons</source>
        <translation>课程</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="204" />
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="205" />
        <source>&amp;Open configuration…</source>
        <translation>打开配置(&amp;O)…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="206" />
        <source>&amp;Save configuration…</source>
        <translation>保存配置(&amp;S)…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="208" />
        <source>Save session (the run's whole history)…</source>
        <translation>保存会话（本次训练的完整历史）…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="209" />
        <source>Open session to replay…</source>
        <translation>打开会话以回放…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="211" />
        <source>Export heatmap as PNG…</source>
        <translation>将热力图导出为 PNG…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="212" />
        <source>Export curves as PNG…</source>
        <translation>将曲线导出为 PNG…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="213" />
        <source>Export a view as PNG</source>
        <translation>将视图导出为 PNG</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="216" />
        <source>Export run data as CSV…</source>
        <translation>将运行数据导出为 CSV…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="217" />
        <source>Export window as PNG…</source>
        <translation>将窗口导出为 PNG…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="218" />
        <source>Export model as PyTorch code…</source>
        <translation>将模型导出为 PyTorch 代码…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="220" />
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="222" />
        <source>&amp;Compare</source>
        <translation>对比(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="226" />
        <source>Cross-validation and learning curve…</source>
        <translation>交叉验证与学习曲线…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="228" />
        <source>&amp;Presets</source>
        <translation>预设(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="237" />
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="242" />
        <source>Full screen</source>
        <translation>全屏</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="243" />
        <source>Presentation mode</source>
        <translation>演示模式</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="245" />
        <source>Classroom: choose the controls to show…</source>
        <translation>课堂模式：选择要显示的控件…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="247" />
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="253" />
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="254" />
        <source>&amp;About Vanishing Point</source>
        <translation>关于 Vanishing Point(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="275" />
        <source>Building the network…</source>
        <translation>正在构建网络…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="296" />
        <source>The network could not be built: {0}</source>
        <translation>无法构建网络：{0}</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window_files.py" line="21" />
        <source>There is no run to save yet: press Play or Step first.</source>
        <translation>还没有可保存的训练：请先按“运行”或“单步”。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window_files.py" line="24" />
        <source>Save session</source>
        <translation>保存会话</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window_files.py" line="24" />
        <location filename="../../desktop_app/window_files.py" line="40" />
        <source>Sessions (*.vpsession)</source>
        <translation>会话文件 (*.vpsession)</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window_files.py" line="34" />
        <source>Session saved to {0}</source>
        <translation>会话已保存到 {0}</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window_files.py" line="40" />
        <source>Open session</source>
        <translation>打开会话</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window_teaching.py" line="19" />
        <source>current</source>
        <translation>当前</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window_teaching.py" line="21" />
        <source>reference</source>
        <translation>参照</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window_teaching.py" line="28" />
        <source>There is no run to pin yet: press Play or Step first.</source>
        <translation>还没有可固定的训练：请先按“运行”或“单步”。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window_teaching.py" line="51" />
        <source>Reference (right, dashed curves) differs in: {0}</source>
        <translation>参照（右侧热图，虚线曲线）的不同之处：{0}</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window_teaching.py" line="53" />
        <source>Reference pinned (right, dashed curves): change a setting to compare.</source>
        <translation>已固定参照（右侧热图，虚线曲线）：修改一项设置即可对比。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="373" />
        <source>{0}: changed {1}</source>
        <translation>{0}：已更改 {1}</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="453" />
        <source>building</source>
        <translation>构建中</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="455" />
        <source>ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="458" />
        <source>training</source>
        <translation>训练中</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="458" />
        <source>paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="459" />
        <source>completed</source>
        <translation>已完成</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="460" />
        <source>diverged</source>
        <translation>已发散</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="461" />
        <source>early stopped</source>
        <translation>已早停</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="464" />
        <source>  step {0} / {1}    {2} steps/s    {3}</source>
        <translation>  第 {0} / {1} 步    {2} 步/s    {3}</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="465" />
        <source>❚❚ Pause</source>
        <translation>❚❚ 暂停</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window_files.py" line="79" />
        <source>Open configuration</source>
        <translation>打开配置</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window_files.py" line="79" />
        <location filename="../../desktop_app/window_files.py" line="91" />
        <source>TOML files (*.toml)</source>
        <translation>TOML 文件 (*.toml)</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window_files.py" line="91" />
        <source>Save configuration</source>
        <translation>保存配置</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window_files.py" line="97" />
        <source>Could not save {0}: {1}</source>
        <translation>无法保存 {0}：{1}</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window_files.py" line="101" />
        <source>Export PNG</source>
        <translation>导出 PNG</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window_files.py" line="101" />
        <source>PNG images (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window_files.py" line="106" />
        <source>Could not write {0}</source>
        <translation>无法写入 {0}</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window_files.py" line="113" />
        <source>There is no run data to export yet: press Play or Step first.</source>
        <translation>尚无可导出的运行数据：请先点击“运行”或“单步”。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window_files.py" line="116" />
        <source>Export run data to folder</source>
        <translation>将运行数据导出到文件夹</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window_files.py" line="124" />
        <source>Could not export to {0}: {1}</source>
        <translation>无法导出到 {0}：{1}</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window_files.py" line="126" />
        <source>Run data written to {0}</source>
        <translation>运行数据已写入 {0}</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="470" />
        <source>Vanishing Point</source>
        <translation>Vanishing Point</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="477" />
        <source>About Vanishing Point</source>
        <translation>关于 Vanishing Point</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="479" />
        <source>Vanishing Point trains a real PyTorch network and shows every layer's gradient.

Sources: Glorot &amp; Bengio (2010), Understanding the difficulty of training deep feedforward neural networks; He et al. (2015), Delving deep into rectifiers; Ioffe &amp; Szegedy (2015), Batch normalization; He et al. (2016), Deep residual learning; Pascanu et al. (2013), On the difficulty of training recurrent neural networks (gradient clipping); Poole et al. (2016), Exponential expressivity in deep neural networks through transient chaos, and Schoenholz et al. (2017), Deep information propagation (the mean-field theory of the signal view).</source>
        <translation>Vanishing Point 训练一个真实的 PyTorch 网络，并展示每一层的梯度。

参考文献：Glorot &amp; Bengio (2010), Understanding the difficulty of training deep feedforward neural networks；He et al. (2015), Delving deep into rectifiers；Ioffe &amp; Szegedy (2015), Batch normalization；He et al. (2016), Deep residual learning；Pascanu et al. (2013), On the difficulty of training recurrent neural networks（梯度裁剪）；Poole et al. (2016), Exponential expressivity in deep neural networks through transient chaos，以及 Schoenholz et al. (2017), Deep information propagation（信号视图中的平均场理论）。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window_files.py" line="133" />
        <source>Export model as PyTorch code</source>
        <translation>将模型导出为 PyTorch 代码</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window_files.py" line="133" />
        <source>Python files (*.py)</source>
        <translation>Python 文件 (*.py)</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window_files.py" line="139" />
        <source>Could not write {0}: {1}</source>
        <translation>无法写入 {0}：{1}</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" />
        <source>Pin this run</source>
        <translation>固定本次训练</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" />
        <source>Clear pinned runs</source>
        <translation>清除已固定的训练</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" />
        <source>Overlaying all: run {0} of {1}</source>
        <translation>正在全部叠加：第 {0} 次，共 {1} 次</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" />
        <source>{0} runs pinned (dashed curves, named below the plot); the heatmap on the right is the last one: {1}</source>
        <translation>已固定 {0} 次训练（虚线曲线，名称见图下方）；右侧热图是最后一次：{1}</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" />
        <source>Restart training</source>
        <translation>重新开始训练</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" />
        <source>A fresh run of the same configuration; the run so far stays pinned beside it</source>
        <translation>用相同配置重新训练；到目前为止的运行会固定在旁边</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" />
        <source>The training process stopped unexpectedly ({0}); the system may have run out of memory.</source>
        <translation>训练进程意外停止（{0}）；系统可能内存不足。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" />
        <source>Training stopped with an error: {0}</source>
        <translation>训练因错误而停止：{0}</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" />
        <source>The {0} steps recorded are kept: File &gt; Save session keeps them in a file. Restart training starts the same configuration again.</source>
        <translation>已记录的 {0} 步已保留：“文件 &gt; 保存会话”可将其存入文件。“重新开始训练”会以相同配置重新开始。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" />
        <source>Restart training tries the same configuration again; a smaller network needs less memory.</source>
        <translation>“重新开始训练”会再次尝试相同配置；较小的网络需要的内存更少。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" />
        <source>The training process was stopped (SIGSTOP, or a debugger) and sent nothing for {0} s, so it was ended.</source>
        <translation>训练进程被暂停（SIGSTOP 信号或调试器），{0} 秒内没有发来任何数据，因此已将其结束。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" />
        <source>The training process stopped answering: it sent nothing for {0} s while building the network or training, so it was ended.</source>
        <translation>训练进程停止响应：在构建网络或训练期间 {0} 秒内没有发来任何数据，因此已将其结束。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" />
        <source>The training process has been computing for {0} s without finishing a step. A very large network can take this long; if it never finishes, Restart training ends it and starts the same configuration again (the steps recorded so far stay pinned beside it).</source>
        <translation>训练进程已连续计算 {0} 秒，仍未完成一步。很大的网络可能需要这么长的时间；如果它一直不结束，“重新开始训练”会结束它，并以同一配置重新开始（已记录的训练步会固定显示在旁边）。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" />
        <source>Restart training tries the same configuration again.</source>
        <translation>“重新开始训练”会再次尝试相同配置。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" />
        <source>Training stopped.</source>
        <translation>训练已停止。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" />
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" />
        <source>Could not open {0}: {1}</source>
        <translation>无法打开 {0}：{1}</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" />
        <source>This run is pinned: change a setting, and its heatmap shows beside the new run's, its curves dashed.</source>
        <translation>本次训练已固定：改变一个设置后，它的热图会显示在新训练的旁边，曲线显示为虚线。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" />
        <source>{0} runs pinned (dashed curves, named below the plot).</source>
        <translation>已固定 {0} 次训练（虚线曲线，名称见图下方）。</translation>
    </message>
</context>
<context>
    <name>ReplayTimeline</name>
    <message>
        <location filename="../../desktop_app/timeline.py" line="20" />
        <location filename="../../desktop_app/timeline.py" line="47" />
        <source>▶ Replay</source>
        <translation>▶ 回放</translation>
    </message>
    <message>
        <location filename="../../desktop_app/timeline.py" line="37" />
        <source>Replaying {0} (no training):</source>
        <translation>正在回放 {0}（不训练）：</translation>
    </message>
    <message>
        <location filename="../../desktop_app/timeline.py" line="52" />
        <source>❚❚ Pause</source>
        <translation>❚❚ 暂停</translation>
    </message>
    <message>
        <location filename="../../desktop_app/timeline.py" line="61" />
        <source>step {0} / {1}</source>
        <translation>第 {0} / {1} 步</translation>
    </message>
</context>
<context>
    <name>SequenceAnswersView</name>
    <message>
        <source>Recurrent spectral radius (largest |eigenvalue| of the recurrent matrix), at the start → now: {0}.</source>
        <translation>循环谱半径（循环矩阵最大的 |特征值|），开始时 → 现在：{0}。</translation>
    </message>
    <message>
        <source>Recurrent spectral radius per layer (largest |eigenvalue| of each recurrent matrix), at the start → now: {0}.</source>
        <translation>各层的循环谱半径（每个循环矩阵最大的 |特征值|），开始时 → 现在：{0}。</translation>
    </message>
    <message>
        <source>time step t</source>
        <translation>时间步 t</translation>
    </message>
    <message>
        <source>validation sequences</source>
        <translation>验证序列</translation>
    </message>
    <message>
        <source>true sum of the two marked values</source>
        <translation>两个标记值的真实和</translation>
    </message>
    <message>
        <source>the network's answer</source>
        <translation>网络的回答</translation>
    </message>
    <message>
        <source>Each row: a validation sequence. Its first step (dot) is +1 for class 1 (orange), −1 for class 0 (blue); the rest is noise. Right: after step T, the network's probability for the true class (✓ right, ✗ wrong).</source>
        <translation>每行是一条验证序列。第一步（圆点）为 +1 表示类别 1（橙色），−1 表示类别 0（蓝色）；其余是噪声。右侧：第 T 步之后，网络给真实类别的概率（✓ 对，✗ 错）。</translation>
    </message>
    <message>
        <source>Validation error now: {0:.0%} (a guess: 50%).</source>
        <translation>当前验证错误率：{0:.0%}（瞎猜：50%）。</translation>
    </message>
    <message>
        <source>Each dot: a validation sequence, its true sum (across) and the network's answer (up). On the dashed diagonal: right. Flat along the dotted line at 1: a guess of the average, the marked values not found (MSE ≈ 0.167).</source>
        <translation>每个点是一条验证序列：横轴是真实的和，纵轴是网络的回答。落在虚线对角线上：答对。沿着 1 处的点线平躺：只是在猜平均值，没有找到标记的值（MSE ≈ 0.167）。</translation>
    </message>
    <message>
        <source>Validation MSE now: {0:.3f}.</source>
        <translation>当前验证 MSE：{0:.3f}。</translation>
    </message>
</context>
<context>
    <name>StudyDialog</name>
    <message>
        <location filename="../../desktop_app/study_dialog.py" line="34" />
        <source>Cross-validation and learning curve</source>
        <translation>交叉验证与学习曲线</translation>
    </message>
    <message>
        <location filename="../../desktop_app/study_dialog.py" line="44" />
        <source>Run K-fold cross-validation</source>
        <translation>运行 K 折交叉验证</translation>
    </message>
    <message>
        <location filename="../../desktop_app/study_dialog.py" line="46" />
        <source>Run learning curve</source>
        <translation>运行学习曲线</translation>
    </message>
    <message>
        <location filename="../../desktop_app/study_dialog.py" line="48" />
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location filename="../../desktop_app/study_dialog.py" line="52" />
        <source>Each fold trains a fresh network on the other K−1 folds and is scored on the one held out.</source>
        <translation>每一折都在其余 K−1 折上训练一个全新的网络，并在留出的那一折上评估。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/study_dialog.py" line="55" />
        <source>configuration</source>
        <translation>配置</translation>
    </message>
    <message>
        <location filename="../../desktop_app/study_dialog.py" line="55" />
        <source>fold / points</source>
        <translation>折 / 样本数</translation>
    </message>
    <message>
        <location filename="../../desktop_app/study_dialog.py" line="55" />
        <source>training error</source>
        <translation>训练误差</translation>
    </message>
    <message>
        <location filename="../../desktop_app/study_dialog.py" line="55" />
        <source>validation error</source>
        <translation>验证误差</translation>
    </message>
    <message>
        <location filename="../../desktop_app/study_dialog.py" line="60" />
        <source>error</source>
        <translation>误差</translation>
    </message>
    <message>
        <location filename="../../desktop_app/study_dialog.py" line="64" />
        <source>Folds K</source>
        <translation>折数 K</translation>
    </message>
    <message>
        <location filename="../../desktop_app/study_dialog.py" line="72" />
        <source>Configurations: {0}</source>
        <translation>配置：{0}</translation>
    </message>
    <message>
        <location filename="../../desktop_app/study_dialog.py" line="100" />
        <source>Training in the background…</source>
        <translation>正在后台训练…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/study_dialog.py" line="121" />
        <source>The study stopped: {0}</source>
        <translation>实验已停止：{0}</translation>
    </message>
    <message>
        <location filename="../../desktop_app/study_dialog.py" line="150" />
        <source>{0}: validation error {1} ± {2} over {3} folds</source>
        <translation>{0}：{3} 折的验证误差为 {1} ± {2}</translation>
    </message>
    <message>
        <location filename="../../desktop_app/study_dialog.py" line="154" />
        <source>fold</source>
        <translation>折</translation>
    </message>
    <message>
        <location filename="../../desktop_app/study_dialog.py" line="159" />
        <source>training points</source>
        <translation>训练样本数</translation>
    </message>
    <message>
        <location filename="../../desktop_app/study_dialog.py" line="160" />
        <source>{0}: validation error {1} with {2} training points</source>
        <translation>{0}：使用 {2} 个训练样本时验证误差为 {1}</translation>
    </message>
    <message>
        <location filename="../../desktop_app/study_dialog.py" />
        <source>validation ({0})</source>
        <translation>验证（{0}）</translation>
    </message>
    <message>
        <location filename="../../desktop_app/study_dialog.py" />
        <source>training ({0})</source>
        <translation>训练（{0}）</translation>
    </message>
</context>
</TS>