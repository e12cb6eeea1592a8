<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>ControlPanel</name>
    <message>
        <location filename="../../desktop_app/controls.py" line="149"/>
        <source>off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="152"/>
        <source>Data set</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="153"/>
        <source>Training points</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="154"/>
        <source>Noise</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="155"/>
        <source>Flipped labels</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="156"/>
        <source>Depth (hidden layers)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="157"/>
        <source>Width (units)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="158"/>
        <source>Activation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="159"/>
        <source>Initialization</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="160"/>
        <source>Init gain</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="161"/>
        <source>Batch normalization</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="162"/>
        <source>Residual connections</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="163"/>
        <source>Optimizer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="164"/>
        <source>Learning rate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="165"/>
        <source>Batch size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="166"/>
        <source>Seed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="167"/>
        <source>L2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="168"/>
        <source>L1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="169"/>
        <source>Dropout</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="170"/>
        <source>Gradient clipping</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="171"/>
        <source>Early-stopping patience</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="172"/>
        <source>Validation points</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="173"/>
        <source>Initial bias</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="174"/>
        <source>Steps</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="175"/>
        <source>Evaluate every (steps)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="176"/>
        <source>Device</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="179"/>
        <source>Data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="180"/>
        <source>Network</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="181"/>
        <source>Training</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="182"/>
        <source>Regularization</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="191"/>
        <source>Advanced</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/controls.py" line="210"/>
        <source>0 = off</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DiagnosisView</name>
    <message>
        <location filename="../../desktop_app/diagnosis_view.py" line="35"/>
        <source> (first in layer {0})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/diagnosis_view.py" line="37"/>
        <source>Gradients exploded at step {0}{1}: the loss or a gradient is no longer a finite number. Training is paused. Try a lower learning rate, gradient clipping, a smaller init gain, or batch normalization.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/diagnosis_view.py" line="41"/>
        <source>Early stopping ended the run at step {0}; the best validation error, {1}, was at step {2}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/diagnosis_view.py" line="45"/>
        <source>Exploding gradients: the gradient of layer {0} has reached 10{1}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/diagnosis_view.py" line="49"/>
        <source>Layer 1 receives no gradient at all: its units cannot learn (all-zero weights or dead units).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/diagnosis_view.py" line="53"/>
        <source>Vanishing gradients: layer 1 receives {0} of the gradient of layer {1}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/diagnosis_view.py" line="55"/>
        <source>Exploding gradients: layer 1 receives {0} times the gradient of layer {1}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/diagnosis_view.py" line="56"/>
        <source>Gradients reach every layer: layer 1 receives {0} of the gradient of layer {1}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/diagnosis_view.py" line="60"/>
        <source>{0} of hidden units are dead (layer {1}: {2}); they pass no gradient.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/diagnosis_view.py" line="64"/>
        <source>{0} of hidden activations sit in the flat part of the activation (layer {1}: {2}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/diagnosis_view.py" line="68"/>
        <source>Overfitting: validation error {0} is well above training error {1}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/diagnosis_view.py" line="72"/>
        <source>Underfitting: training error is still {0}; the network cannot fit the data yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/diagnosis_view.py" line="80"/>
        <source>Press Play (Space) to train; move a slider and watch every layer&apos;s gradient.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ErrorCurvesView</name>
    <message>
        <location filename="../../desktop_app/views/curves.py" line="26"/>
        <source>Error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/curves.py" line="26"/>
        <source>Loss</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/curves.py" line="30"/>
        <source>training step</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/curves.py" line="36"/>
        <source>training</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/curves.py" line="36"/>
        <source>validation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/curves.py" line="42"/>
        <source>log scale</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/curves.py" line="117"/>
        <source>best step {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/curves.py" line="124"/>
        <source>diverged</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/curves.py" line="132"/>
        <source>step {0}: training error {1}, validation error {2}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>GradientHeatmapView</name>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" line="42"/>
        <source>Weight gradient ‖∇W‖</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" line="43"/>
        <source>Back-propagated signal ∂L/∂s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" line="45"/>
        <source>Frobenius norm of each layer&apos;s weight gradient, before clipping</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" line="47"/>
        <source>RMS of the per-sample gradient of the loss with respect to each layer&apos;s pre-activation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" line="63"/>
        <source>training step</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" line="64"/>
        <source>layer (input at the bottom)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" line="81"/>
        <source>now (log10)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" line="104"/>
        <source>log10 RMS ∂L/∂s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" line="104"/>
        <source>log10 ‖∇W‖</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" line="179"/>
        <source>signal</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/views/heatmap.py" line="180"/>
        <source>layer {0}, step {1}: {2} = {3}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LessonsPanel</name>
    <message>
        <location filename="../../desktop_app/lessons_view.py" line="55"/>
        <source>Show the problem again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/lessons_view.py" line="79"/>
        <source>The lessons could not be loaded: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/lessons_view.py" line="81"/>
        <source>Choose a lesson: it loads the problem, tells you what to watch, and offers the fix.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../desktop_app/window.py" line="107"/>
        <source>Transport</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="111"/>
        <location filename="../../desktop_app/window.py" line="383"/>
        <source>▶ Play</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="112"/>
        <source>Play / pause training (Space)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="114"/>
        <source>Step</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="115"/>
        <source>One training step (S)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="117"/>
        <source>Reset</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="118"/>
        <source>Fresh weights, same seed (R)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="124"/>
        <source> Speed </source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="127"/>
        <source>max</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="129"/>
        <source>{0}/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="151"/>
        <source>Controls</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="157"/>
        <source>Lessons</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="164"/>
        <source>&amp;File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="165"/>
        <source>&amp;Open configuration…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="166"/>
        <source>&amp;Save configuration…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="168"/>
        <source>Export heatmap as PNG…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="169"/>
        <source>Export curves as PNG…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="170"/>
        <source>Export run data as CSV…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="172"/>
        <source>&amp;Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="174"/>
        <source>&amp;Presets</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="183"/>
        <source>&amp;View</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="186"/>
        <source>Full screen</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="188"/>
        <source>&amp;Language</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="194"/>
        <source>&amp;Help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="195"/>
        <source>&amp;About Vanishing Point</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="213"/>
        <source>Building the network…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="229"/>
        <source>The network could not be built: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="297"/>
        <source>{0}: changed {1}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="371"/>
        <source>building</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="373"/>
        <source>ready</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="376"/>
        <source>training</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="376"/>
        <source>paused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="377"/>
        <source>completed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="378"/>
        <source>diverged</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="379"/>
        <source>early stopped</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="382"/>
        <source>  step {0} / {1}    {2} steps/s    {3}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="383"/>
        <source>❚❚ Pause</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="388"/>
        <source>Open configuration</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="388"/>
        <location filename="../../desktop_app/window.py" line="400"/>
        <source>TOML files (*.toml)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="400"/>
        <source>Save configuration</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="406"/>
        <source>Could not save {0}: {1}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="410"/>
        <source>Export PNG</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="410"/>
        <source>PNG images (*.png)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="415"/>
        <source>Could not write {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="422"/>
        <source>There is no run data to export yet: press Play or Step first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="425"/>
        <source>Export run data to folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="433"/>
        <source>Could not export to {0}: {1}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="435"/>
        <source>Run data written to {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="441"/>
        <source>Vanishing Point</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="448"/>
        <source>About Vanishing Point</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/window.py" line="450"/>
        <source>Vanishing Point trains a real PyTorch network and shows every layer&apos;s gradient.

Sources: Glorot &amp; Bengio (2010), Understanding the difficulty of training deep feedforward neural networks; He et al. (2015), Delving deep into rectifiers; Ioffe &amp; Szegedy (2015), Batch normalization; He et al. (2016), Deep residual learning; Pascanu et al. (2013), On the difficulty of training recurrent neural networks (gradient clipping).</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
