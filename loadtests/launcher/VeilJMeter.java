// Runs Debian's JMeter 2.13 in non-GUI mode with XStream's allow-list opened to JMeter's own types.
//
// Debian pairs JMeter 2.13 with XStream 1.4.20, whose security framework denies every type
// that is not explicitly allowed; JMeter 2.13 predates it and allows nothing, so the stock
// `jmeter` refuses every plan (ForbiddenClassException). This launcher initialises
// SaveService, allows org.apache.jmeter.**, org.apache.jorphan.** and java.** on its two
// private XStream instances (plans and results), then hands over to JMeter's own start.
// JMeter 5.x needs none of this: run its own bin/jmeter.
//
// Build: javac -cp "/usr/share/jmeter/lib/ext/*:/usr/share/jmeter/lib/jorphan.jar" -d <dir> VeilJMeter.java
// Run:   java -cp "<dir>:/usr/share/jmeter/bin/ApacheJMeter.jar:/usr/share/jmeter/lib/ext/*:/usr/share/jmeter/lib/jorphan.jar" \
//             -Djmeter.home=/usr/share/jmeter VeilJMeter -n -t plan.jmx -l results.jtl

import java.lang.reflect.Field;

import com.thoughtworks.xstream.XStream;
import org.apache.jmeter.JMeter;
import org.apache.jmeter.save.SaveService;
import org.apache.jmeter.util.JMeterUtils;

public final class VeilJMeter {
    private static final String DEFAULT_HOME = "/usr/share/jmeter";
    private static final String[] ALLOWED = {"org.apache.jmeter.**", "org.apache.jorphan.**", "java.**"};
    private static final String[] SAVERS = {"JMXSAVER", "JTLSAVER"};

    private VeilJMeter() {
    }

    public static void main(String[] args) throws Exception {
        String home = System.getProperty("jmeter.home", DEFAULT_HOME);
        System.setProperty("jmeter.home", home);
        // SaveService reads bin/saveservice.properties relative to the JMeter home when its
        // class initialises, so the home must be known before we touch it.
        JMeterUtils.setJMeterHome(home);
        for (String name : SAVERS) {
            Field field = SaveService.class.getDeclaredField(name);
            field.setAccessible(true);
            ((XStream) field.get(null)).allowTypesByWildcard(ALLOWED);
        }
        new JMeter().start(args);
    }
}
